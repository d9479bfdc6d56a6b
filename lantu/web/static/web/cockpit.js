/* The cockpit's progress bars, drawn with ECharts from the data the page embeds (json_script).
 *
 * Each key-task card gets one horizontal bar chart: a bar per headline indicator showing the share
 * of the baseline-to-target distance covered, coloured by its light, and a dark tick where the
 * target path expects it to be by the latest period. The same numbers are in the table below
 * each chart, which is the text alternative; the chart container carries role="img".
 */
(function () {
  "use strict";

  var COLOURS = { green: "#1a7f4b", yellow: "#b7791f", red: "#c53030", grey: "#718096" };

  function clamp(v, lo, hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  function option(rows, english, narrow) {
    var names = rows.map(function (r) { return r.name; });
    var top = 100;
    rows.forEach(function (r) {
      if (r.progress_pct !== null) { top = Math.max(top, Math.min(r.progress_pct, 150)); }
      if (r.expected_pct !== null) { top = Math.max(top, Math.min(r.expected_pct, 150)); }
    });
    top = Math.ceil(top / 10) * 10;
    var bars = rows.map(function (r) {
      return {
        value: r.progress_pct === null ? 0 : clamp(r.progress_pct, 0, top),
        itemStyle: { color: COLOURS[r.light] || COLOURS.grey },
        label: { show: true, formatter: r.progress_pct === null ? "—" : r.progress_pct.toFixed(1) + "%" }
      };
    });
    var ticks = [];
    rows.forEach(function (r, i) {
      if (r.expected_pct !== null) { ticks.push([clamp(r.expected_pct, 0, top), i]); }
    });
    return {
      animation: false,
      aria: { enabled: false },
      grid: { left: 8, right: 44, top: 8, bottom: 20, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var r = rows[p.seriesIndex === 0 ? p.dataIndex : p.value[1]];
          var done = r.progress_pct === null ? "—" : r.progress_pct.toFixed(1) + "%";
          var due = r.expected_pct === null ? "—" : r.expected_pct.toFixed(1) + "%";
          return english
            ? r.name + "<br>progress " + done + ", expected " + due + "<br>latest " + (r.latest || "—")
            : r.name + "<br>进度 " + done + "，应达 " + due + "<br>最新值 " + (r.latest || "—");
        }
      },
      xAxis: { type: "value", min: 0, max: top, splitNumber: narrow ? 2 : 4,
               axisLabel: { formatter: "{value}%", hideOverlap: true } },
      yAxis: {
        type: "category",
        data: names,
        inverse: true,
        axisLabel: { width: narrow ? 76 : 130, overflow: "truncate" }
      },
      series: [
        { type: "bar", data: bars, barMaxWidth: 18, label: { position: "right", color: "#1a202c" } },
        {
          type: "scatter",
          data: ticks,
          symbol: "rect",
          symbolSize: [3, 24],
          itemStyle: { color: "#1a202c" },
          z: 3
        }
      ]
    };
  }

  function draw() {
    var source = document.getElementById("cockpit-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    data.cards.forEach(function (card) {
      if (!card.rows.length) { return; }
      var el = document.querySelector('.cockpit-chart[data-area="' + card.area + '"]');
      if (!el) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(card.rows, data.english, el.clientWidth < 420));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  // The map of the indicator chosen for the cockpit, with the major projects as points; the points
  // come from the projects API after the page is shown, so they cost the page no queries.
  function money(v, english) {
    if (v === null || v === undefined) { return "—"; }
    return english ? v.toFixed(2) + " 100m yuan" : v.toFixed(2) + "亿元";
  }

  function mountMap() {
    var el = document.getElementById("cockpit-map-canvas");
    if (!el || typeof window.LantuMap === "undefined") { return; }
    var english = (document.documentElement.lang || "").indexOf("en") === 0;
    var map = window.LantuMap.mount(el, {
      indicator: el.getAttribute("data-indicator"),
      parent: el.getAttribute("data-parent") || "330000",
      basis: el.getAttribute("data-basis") || "approved"
    });
    fetch("/api/v1/projects/points", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (points) {
        map.points(points.map(function (p) {
          var rate = p.rate === null ? "—" : (p.rate * 100).toFixed(1) + "%";
          var tip = (english ? "planned " : "计划总投资 ") + money(p.planned, english) +
            (english ? ", completed " : "，完成率 ") + rate + (p.is_demo ? (english ? " (demo data)" : "（示例数据）") : "");
          return { name: p.name, lon: p.lon, lat: p.lat, value: p.planned, tooltip: tip, url: p.url };
        }));
      })
      .catch(function () { /* the map stays without points; the projects page lists them */ });
  }

  function start() {
    draw();
    mountMap();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
