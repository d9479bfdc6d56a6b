"""The cockpit in a real browser: the leader's charts are drawn, the phone width does not scroll sideways.

Screenshots go to var/screenshots/ (git-ignored); the desktop one is also copied to
docs/img/cockpit.png, the picture the README shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"

# How many distinct colours a canvas holds (sampled); a blank or single-colour canvas has at most one.
DISTINCT_COLOURS = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const {width, height} = canvas;
  const data = ctx.getImageData(0, 0, width, height).data;
  const seen = new Set();
  for (let i = 0; i < data.length && seen.size < 50; i += 4 * 97) {
    seen.add(data[i] + "," + data[i + 1] + "," + data[i + 2] + "," + data[i + 3]);
  }
  return seen.size;
}"""

# True once the cockpit map holds a points series with at least one project on it.
POINTS_DRAWN = """() => {
  const box = document.querySelector("#cockpit-map-canvas .lantu-map-canvas");
  const chart = box && window.echarts && window.echarts.getInstanceByDom(box);
  if (!chart) return false;
  const series = chart.getOption().series || [];
  return series.some(s => s.id === "lantu-points" && s.data && s.data.length > 0);
}"""


def test_leader_sees_drawn_charts_and_every_section(page: Page, live_url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_url, "leader")
    page.goto(live_url + "/")
    expect(page.locator("h1")).to_contain_text("驾驶舱")
    expect(page.locator(".demo-banner")).to_contain_text("示例数据")
    expect(page.locator(".cockpit-card")).to_have_count(6)
    canvases = page.locator(".cockpit-chart canvas")
    expect(canvases).to_have_count(3)
    for i in range(canvases.count()):
        assert canvases.nth(i).evaluate(DISTINCT_COLOURS) > 3, f"chart {i} is blank"
    for heading in ("目标进展信号灯", "进度最落后的指标", "逾期任务", "被退回的数据", "地图"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    # The numbers are in the page as text as well (the charts' text alternative).
    expect(page.locator("#headline-DE_TOTAL")).to_contain_text("万亿元")
    # The map is drawn with the cities and the major projects (demo projects have coordinates).
    map_canvas = page.locator("#cockpit-map-canvas canvas").first
    expect(map_canvas).to_be_visible()
    page.wait_for_function(POINTS_DRAWN, timeout=15000)
    assert map_canvas.evaluate(DISTINCT_COLOURS) > 3, "the map is blank"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "cockpit.png"), full_page=True)
    readme_shot = ROOT / "docs" / "img" / "cockpit.png"
    if not readme_shot.exists():  # the README's picture; refreshed by deleting it and running the test
        readme_shot.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHOTS / "cockpit.png", readme_shot)


def test_phone_width_has_no_sideways_scroll(page: Page, live_url: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_url, "leader")
    page.goto(live_url + "/")
    expect(page.locator(".cockpit-chart canvas").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    width = page.locator(".cockpit-chart canvas").first.evaluate("c => c.getBoundingClientRect().width")
    assert 0 < width <= 375
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "cockpit-phone.png"), full_page=True)


def test_off_track_links_reach_their_row_by_keyboard(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    link = page.locator("#off-track a").first
    link.focus()
    page.keyboard.press("Enter")
    target = link.get_attribute("href")
    assert target is not None
    assert target.startswith("#headline-")
    assert page.evaluate("location.hash") == target
