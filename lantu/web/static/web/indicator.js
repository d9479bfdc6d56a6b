/* The indicator page's chart: actual values, the target path and the projection (ECharts line).
 *
 * The data comes from the page (json_script #indicator-chart-data); the same values are in the
 * table under the chart, which is the text alternative (the chart container has role="img").
 */
(function () {
  "use strict";

  function draw() {
    var el = document.getElementById("indicator-chart");
    var source = document.getElementById("indicator-chart-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var narrow = el.clientWidth < 480;
    function pts(rows) { return rows.map(function (r) { return [r.x, r.value]; }); }
    var xs = [].concat(d.series, d.path, d.projection).map(function (r) { return r.x; });
    var lo = Math.floor(Math.min.apply(null, xs)), hi = Math.ceil(Math.max.apply(null, xs));
    var periods = {};
    d.series.forEach(function (r) { periods[r.x] = r.period + (r.demo ? " · " + d.labels.demo : ""); });
    var series = [{
      name: d.labels.values, type: "line", data: pts(d.series), symbolSize: 7,
      lineStyle: { width: 3, color: "#0b5cad" }, itemStyle: { color: "#0b5cad" }
    }];
    if (d.path.length) {
      series.push({
        name: d.labels.path, type: "line", data: pts(d.path), symbol: "none",
        lineStyle: { type: "dashed", width: 2, color: "#4a5568" }, itemStyle: { color: "#4a5568" }
      });
    }
    if (d.projection.length) {
      series.push({
        name: d.labels.projection, type: "line", data: pts(d.projection), symbol: "emptyCircle",
        lineStyle: { type: "dotted", width: 2, color: "#8a4b00" }, itemStyle: { color: "#8a4b00" }
      });
    }
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      aria: { enabled: false },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: "#1d2430" } },
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return (Math.round(v * 100) / 100).toLocaleString() + " " + d.unit; }
      },
      xAxis: {
        type: "value", min: lo, max: hi, minInterval: 1, splitNumber: narrow ? 3 : 6,
        axisLabel: { formatter: function (v) { return periods[v] || String(Math.round(v)); }, hideOverlap: true }
      },
      yAxis: { type: "value", name: d.unit, scale: true },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
