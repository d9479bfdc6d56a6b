/* The assessment unit page: a radar of pillar scores (the unit against the mean of all units) and a
 * bar chart of each indicator's contribution to the total score (ECharts).
 *
 * The data comes from the page (json_script #assess-unit-data); the same numbers are in the tables
 * beside the charts, which are the text alternative (the chart containers have role="img").
 */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("assess-unit-data");
    if (!source || typeof echarts === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var radarEl = document.getElementById("assess-radar");
    if (radarEl && d.indicators.length) {
      var radar = echarts.init(radarEl);
      radar.setOption({
        animation: false,
        aria: { enabled: false },
        legend: { bottom: 0, data: [d.labels.unit, d.labels.mean] },
        radar: { indicator: d.indicators, radius: "62%" },
        series: [{
          type: "radar",
          data: [
            { name: d.labels.unit, value: d.unit, areaStyle: { opacity: 0.2 }, lineStyle: { color: "#0b5cad", width: 3 },
              itemStyle: { color: "#0b5cad" } },
            { name: d.labels.mean, value: d.mean, lineStyle: { type: "dashed", color: "#4a5568" },
              itemStyle: { color: "#4a5568" } }
          ]
        }]
      });
      window.addEventListener("resize", function () { radar.resize(); });
    }
    var barEl = document.getElementById("assess-contrib");
    if (barEl && d.contributions.length) {
      var rows = d.contributions.slice().reverse();
      var bar = echarts.init(barEl);
      bar.setOption({
        animation: false,
        aria: { enabled: false },
        grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "value", name: d.labels.contribution },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }),
                 axisLabel: { width: barEl.clientWidth < 480 ? 90 : 200, overflow: "truncate" } },
        series: [{ type: "bar", data: rows.map(function (r) { return Math.round(r.value * 100) / 100; }),
                   itemStyle: { color: "#0b5cad" }, label: { show: true, position: "right" } }]
      });
      window.addEventListener("resize", function () { bar.resize(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
