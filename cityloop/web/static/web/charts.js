/* The leaders' dashboard charts (Apache ECharts), drawn from the numbers the page embeds. */
(function () {
  "use strict";

  var PALETTE = ["#0b5cab", "#2e7d32", "#90a4ae", "#c62828"];

  function options(kind, data) {
    var base = { color: PALETTE, tooltip: { trigger: "axis" }, grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true } };
    if (kind === "trend") {
      return Object.assign(base, {
        legend: { top: 0 },
        xAxis: { type: "category", data: data.days, boundaryGap: false },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: data.labels.new, type: "line", smooth: true, data: data.new, areaStyle: { opacity: 0.12 } },
          { name: data.labels.closed, type: "line", smooth: true, data: data.closed }
        ]
      });
    }
    if (kind === "categories") {
      return Object.assign(base, {
        tooltip: { trigger: "item" },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.names.slice().reverse(), axisLabel: { width: 140, overflow: "truncate" } },
        series: [{ type: "bar", data: data.data.slice().reverse(), itemStyle: { color: "#0b5cab" }, label: { show: true, position: "right" } }]
      });
    }
    if (kind === "streets") {
      return Object.assign(base, {
        legend: { top: 0 },
        xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
      });
    }
    return base;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.dataset.chart;
      if (!data[kind]) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(options(kind, data[kind]));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
