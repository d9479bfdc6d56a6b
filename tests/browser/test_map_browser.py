"""The map in a real browser: the province's cities drawn, a click on 杭州市 drills into its districts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHART = "#lantu-map .lantu-map-canvas"

# Share of canvas pixels that are painted (not transparent, not white): a drawn map has many.
PAINTED = """(selector) => {
  const canvas = document.querySelector(selector + ' canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && !(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) { painted++; }
  }
  return painted / (data.length / 4);
}"""

OPTION = """(selector) => {
  const option = echarts.getInstanceByDom(document.querySelector(selector)).getOption();
  return {map: option.series[0].map, names: option.series[0].data.map((d) => d.name),
          series: option.series.map((s) => s.type), geo: (option.geo || []).length};
}"""


def _ready(page: Page) -> None:
    expect(page.locator("#lantu-map")).to_have_attribute("data-ready", "true")
    page.wait_for_function("() => document.querySelector('#lantu-map canvas') !== null")
    page.wait_for_timeout(600)  # let ECharts finish its entry animation before reading pixels


def test_map_drills_from_hangzhou_to_its_districts(page: Page, live_url: str) -> None:
    log_in(page, live_url, "leader")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_url + "/map/?indicator=GDP&period=2022")
    _ready(page)
    assert page.evaluate(PAINTED, CHART) > 0.05
    province: dict[str, Any] = page.evaluate(OPTION, CHART)
    assert province["map"] == "lantu-330000"
    assert "杭州市" in province["names"]
    expect(page.locator("table caption")).to_contain_text("2022年")
    expect(page.locator(".demo-banner")).to_contain_text("示例数据")
    # The major projects with coordinates are drawn as points (the demo has some in every city).
    page.wait_for_function(
        """(sel) => {
          const chart = echarts.getInstanceByDom(document.querySelector(sel));
          return (chart.getOption().series || []).some(s => s.id === "lantu-points" && s.data.length >= 11);
        }""",
        arg=CHART,
        timeout=15000,
    )

    # Click inside 杭州市 on the canvas (a point between 富阳 and 桐庐).
    point = page.evaluate(
        "(sel) => echarts.getInstanceByDom(document.querySelector(sel)).convertToPixel({seriesIndex: 0}, [119.8, 29.9])",
        CHART,
    )
    box = page.locator(CHART).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url("**parent=330100**")
    _ready(page)

    city: dict[str, Any] = page.evaluate(OPTION, CHART)
    assert city["map"] == "lantu-330100"
    assert {"西湖区", "滨江区", "桐庐县"} <= set(city["names"])
    assert "临平区" not in city["names"]  # no shape of its own: table only
    table = page.locator(".map-table table")
    expect(table).to_contain_text("西湖区")
    expect(table).to_contain_text("钱塘区")
    expect(table.locator("tr", has_text="临平区")).to_contain_text("地图底图早于该区划（2017年），仅在表中显示")
    expect(page.locator("h1")).to_contain_text("杭州市")
    assert page.evaluate(PAINTED, CHART) > 0.05
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map.png"), full_page=True)

    page.get_by_role("link", name="返回全省").click()
    _ready(page)
    assert page.evaluate(OPTION, CHART)["map"] == "lantu-330000"


def test_keyboard_path_through_selects_and_table(page: Page, live_url: str) -> None:
    log_in(page, live_url, "leader")
    page.goto(live_url + "/map/?indicator=GDP&period=2022")
    page.get_by_label("口径", exact=True).select_option("preliminary")
    page.get_by_role("button", name="显示").press("Enter")
    expect(page.locator(".warning")).to_contain_text("初步数据")
    link = page.get_by_role("link", name="杭州市", exact=True)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**parent=330100**")
    expect(page.locator(".map-table")).to_contain_text("临平区")


def test_embedding_api_with_points_and_in_place_drill(page: Page, live_url: str) -> None:
    """What the cockpit uses: LantuMap.mount on any element, a points layer, drilling without leaving."""
    log_in(page, live_url, "leader")
    page.goto(live_url + "/map/?indicator=GDP&period=2022")
    _ready(page)
    page.evaluate(
        """() => {
          const box = document.createElement('div');
          box.id = 'embedded';
          box.style.width = '600px';
          document.querySelector('main').appendChild(box);
          window.embedded = LantuMap.mount(box, {indicator: 'GDP', period: '2022', parent: '330000',
            points: [{name: '示例项目', lon: 120.15, lat: 30.28, value: 12, tooltip: '总投资12亿元（示例）'}]});
        }"""
    )
    expect(page.locator("#embedded")).to_have_attribute("data-ready", "true")
    option: dict[str, Any] = page.evaluate(OPTION, "#embedded .lantu-map-canvas")
    assert option["series"] == ["map", "scatter"]
    assert option["geo"] == 1
    page.evaluate("() => window.embedded.load({parent: '330100'})")
    expect(page.locator("#embedded")).to_have_attribute("data-parent", "330100")
    expect(page.locator("#embedded .lantu-map-back")).to_be_visible()
    assert "西湖区" in page.evaluate(OPTION, "#embedded .lantu-map-canvas")["names"]
    page.locator("#embedded .lantu-map-back").click()
    expect(page.locator("#embedded")).to_have_attribute("data-parent", "330000")


def test_no_sideways_scrolling_at_375_px(page: Page, live_url: str) -> None:
    log_in(page, live_url, "leader")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_url + "/map/?indicator=GDP&period=2022&parent=330100")
    _ready(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
