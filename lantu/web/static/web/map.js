// The map of Zhejiang: a choropleth of one indicator by city, drilling into a city's counties.
// Needs the full ECharts build (vendor/echarts/echarts.min.js: the "common" build has no map series).
//
//   var map = LantuMap.mount(element, {
//     indicator: "DE_TOTAL", period: "2022", parent: "330000", basis: "approved",
//     points: [{name: "某重大项目", lon: 120.2, lat: 30.3, value: 12.5, tooltip: "总投资12.5亿元"}],
//     onDrill: function (child, map) { ... return false to stop the in-place drill ... },
//     onLoad: function (payload, map) { ... },
//     labels: {...}, backButton: true, apiBase: "/api/v1/maps/", data: payload (skips the first fetch)
//   });
//   map.load({parent: "330100"});  map.points([...]);  map.dispose();
//
// Data comes from GET /api/v1/maps/{indicator}; shapes from the static GeoJSON the answer names.
// Units without a shape of their own (made after the shapes' date) are not drawn; the table beside
// the map lists them. Old shapes whose ground now belongs to other units are hatched grey.
(function () {
  "use strict";

  var DEFAULT_LABELS = {
    noData: "暂无数据",
    demo: "示例数据",
    oldShape: "2017年底图",
    nowIn: "该区域现属",
    back: "返回全省",
    loading: "正在加载地图…",
    failed: "地图加载失败",
    origin: { reported: "上报", aggregate: "汇总", computed: "按公式计算" },
    points: "重大项目",
    max: "高",
    min: "低"
  };
  var geoCache = {};

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
      return r.json();
    });
  }

  function registerShapes(url, code) {
    var name = "lantu-" + code;
    if (!geoCache[url]) {
      geoCache[url] = getJson(url).then(function (geojson) {
        echarts.registerMap(name, geojson);
        return name;
      });
    }
    return geoCache[url];
  }

  function english() {
    return (document.documentElement.lang || "").indexOf("en") === 0;
  }

  function mount(element, options) {
    options = options || {};
    var labels = Object.assign({}, DEFAULT_LABELS, options.labels || {});
    var state = {
      indicator: options.indicator,
      period: options.period || "",
      parent: options.parent || "330000",
      basis: options.basis || "approved",
      points: options.points || []
    };
    var apiBase = options.apiBase || "/api/v1/maps/";
    var canvasBox = document.createElement("div");
    canvasBox.className = "lantu-map-canvas";
    var bar = document.createElement("div");
    bar.className = "lantu-map-bar";
    var back = document.createElement("button");
    back.type = "button";
    back.className = "lantu-map-back";
    back.textContent = labels.back;
    back.hidden = true;
    var status = document.createElement("p");
    status.className = "lantu-map-status";
    status.setAttribute("role", "status");
    bar.appendChild(back);
    bar.appendChild(status);
    element.innerHTML = "";
    if (options.backButton !== false) { element.appendChild(bar); }
    element.appendChild(canvasBox);
    var chart = echarts.init(canvasBox, null, { renderer: "canvas" });
    var payload = null;
    var controller;

    back.addEventListener("click", function () {
      if (payload && payload.parent.parent_code) { controller.load({ parent: payload.parent.parent_code }); }
    });

    function childrenByShape(data) {
      var byShape = {};
      data.children.forEach(function (c) { if (c.shape_name) { byShape[c.shape_name] = c; } });
      return byShape;
    }

    function option(data, mapName) {
      var values = data.children.filter(function (c) { return c.has_shape && c.value !== null; })
        .map(function (c) { return c.value; });
      var min = values.length ? Math.min.apply(null, values) : 0;
      var max = values.length ? Math.max.apply(null, values) : 1;
      if (min === max) { min = Math.min(0, min); max = max || 1; }
      var items = data.children.filter(function (c) { return c.has_shape; }).map(function (c) {
        return {
          name: c.shape_name,
          value: c.value === null ? NaN : c.value,
          lantu: c,
          cursor: c.drillable ? "pointer" : "default"
        };
      });
      data.old_shapes.forEach(function (o) {
        items.push({
          name: o.name,
          value: NaN,
          lantu: { old: o },
          itemStyle: {
            areaColor: "#e2e8f0",
            decal: { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [2, 6], rotation: -Math.PI / 4, color: "rgba(74,85,104,0.25)" }
          }
        });
      });
      var title = (english() ? data.parent.name_en : data.parent.name_zh);
      var series = [{
        type: "map",
        id: "lantu-values",
        name: title,
        map: mapName,
        roam: true,
        data: items,
        selectedMode: false,
        label: { show: false },
        itemStyle: { areaColor: "#f1f5f9", borderColor: "#ffffff", borderWidth: 1 },
        emphasis: { label: { show: true, color: "#1d2430" }, itemStyle: { areaColor: "#f5b400" } }
      }];
      var result = {
        aria: { enabled: true },
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var info = p.data && p.data.lantu;
            if (p.seriesId === "lantu-points") {
              var point = p.data.point;
              return "<strong>" + escapeHtml(point.name) + "</strong><br>" + escapeHtml(point.tooltip || point.value);
            }
            if (!info) { return escapeHtml(p.name) + "<br>" + labels.noData; }
            if (info.old) {
              return "<strong>" + escapeHtml(info.old.name) + "</strong>（" + labels.oldShape + "）<br>" +
                labels.nowIn + "：" + escapeHtml(info.old.now_in.join("、") || "—");
            }
            var name = english() ? info.name_en : info.name_zh;
            var period = /^\d{4}$/.test(data.period) && !english() ? data.period + "年" : data.period;
            var text = (info.value === null ? labels.noData : info.text) + "（" + period + "）";
            var extra = [];
            if (info.value !== null && info.origin && labels.origin[info.origin]) { extra.push(labels.origin[info.origin]); }
            if (info.is_demo) { extra.push(labels.demo); }
            if (info.shape_name && info.shape_name !== info.name_zh) { extra.push(labels.oldShape + "：" + info.shape_name); }
            return "<strong>" + escapeHtml(name) + "</strong><br>" + escapeHtml(text) +
              (extra.length ? "<br><small>" + escapeHtml(extra.join(" · ")) + "</small>" : "");
          }
        },
        visualMap: {
          type: "continuous",
          show: values.length > 0,
          min: min,
          max: max,
          seriesIndex: 0,
          left: 8,
          bottom: 8,
          calculable: true,
          text: [labels.max, labels.min],
          formatter: function (v) { return String(Math.round(Number(v) * 100) / 100) + data.unit; },
          inRange: { color: ["#dbeafe", "#93c5fd", "#3b82f6", "#1d4ed8", "#1e3a8a"] }
        },
        series: series
      };
      if (state.points.length) {
        // Points need a coordinate system shared with the regions: a geo component drawing the
        // shapes, which the value series colours through geoIndex.
        result.geo = { map: mapName, roam: true, itemStyle: series[0].itemStyle, emphasis: series[0].emphasis };
        delete series[0].roam;
        series[0].geoIndex = 0;
        series.push({
          type: "scatter",
          id: "lantu-points",
          name: labels.points,
          coordinateSystem: "geo",
          symbolSize: 10,
          itemStyle: { color: "#b45309", borderColor: "#fff", borderWidth: 1 },
          data: state.points.map(function (pt) { return { name: pt.name, value: [pt.lon, pt.lat, pt.value], point: pt }; })
        });
      }
      return result;
    }

    function render(data) {
      payload = data;
      state.period = data.period;
      state.parent = data.parent.code;
      back.hidden = !data.parent.parent_code;
      if (!data.map_url) {
        chart.clear();
        status.textContent = labels.noData;
        return Promise.resolve(data);
      }
      return registerShapes(data.map_url, data.parent.code).then(function (mapName) {
        chart.setOption(option(data, mapName), true);
        status.textContent = (english() ? data.parent.name_en : data.parent.name_zh) + " · " + data.period +
          (data.is_demo ? " · " + labels.demo : "");
        element.setAttribute("data-parent", data.parent.code);
        element.setAttribute("data-ready", "true");
        if (options.onLoad) { options.onLoad(data, controller); }
        element.dispatchEvent(new CustomEvent("lantu-map:load", { detail: data, bubbles: true }));
        return data;
      });
    }

    function load(changes) {
      Object.assign(state, changes || {});
      element.setAttribute("data-ready", "false");
      status.textContent = labels.loading;
      var query = new URLSearchParams({ parent: state.parent, basis: state.basis });
      if (state.period) { query.set("period", state.period); }
      return getJson(apiBase + encodeURIComponent(state.indicator) + "?" + query.toString())
        .then(render)
        .catch(function (error) {
          status.textContent = labels.failed;
          throw error;
        });
    }

    chart.on("click", function (params) {
      // A project point with a page opens it.
      if (params.seriesId === "lantu-points" && params.data && params.data.point && params.data.point.url) {
        window.location.href = params.data.point.url;
        return;
      }
      var info = params.data && params.data.lantu;
      if (!info || info.old || !info.drillable) { return; }
      if (options.onDrill && options.onDrill(info, controller) === false) { return; }
      load({ parent: info.code });
    });

    var resize = function () { chart.resize(); };
    window.addEventListener("resize", resize);

    controller = {
      chart: chart,
      state: state,
      load: load,
      data: function () { return payload; },
      points: function (points) {
        state.points = points || [];
        return payload ? render(payload) : Promise.resolve(null);
      },
      dispose: function () {
        window.removeEventListener("resize", resize);
        chart.dispose();
        element.innerHTML = "";
      }
    };
    element.lantuMap = controller;
    if (options.data) {
      render(options.data).catch(function () { status.textContent = labels.failed; });
    } else {
      load().catch(function () { /* the status line says so */ });
    }
    return controller;
  }

  // The /map/ page: the server rendered the table and embedded the first answer; a click on a city
  // follows the table's drill link, so the table, the URL and the map stay one page.
  function mountPage() {
    var element = document.getElementById("lantu-map");
    if (!element || !element.hasAttribute("data-page") || typeof echarts === "undefined") { return; }
    var data = JSON.parse(document.getElementById("lantu-map-data").textContent);
    var labels = JSON.parse(document.getElementById("lantu-map-labels").textContent);
    var map = mount(element, {
      indicator: data.indicator,
      period: data.period,
      parent: data.parent.code,
      basis: data.basis,
      data: data,
      labels: labels,
      backButton: false,
      onDrill: function (child) {
        var link = document.querySelector('tr[data-code="' + child.code + '"] a.map-drill');
        if (link) { window.location.href = link.href; }
        return false;
      }
    });
    // Major projects with coordinates as points; their page opens on a click.
    if (element.hasAttribute("data-points")) {
      getJson(element.getAttribute("data-points")).then(function (points) {
        var english = (document.documentElement.lang || "").indexOf("en") === 0;
        map.points(points.map(function (p) {
          var rate = p.rate === null ? "—" : (p.rate * 100).toFixed(1) + "%";
          return {
            name: p.name, lon: p.lon, lat: p.lat, value: p.planned, url: p.url,
            tooltip: (english ? "completion " : "投资完成率 ") + rate + (p.is_demo ? " · " + labels.demo : "")
          };
        }));
      }).catch(function () { /* the projects page lists them */ });
    }
  }

  window.LantuMap = { mount: mount };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountPage);
  } else {
    mountPage();
  }
})();
