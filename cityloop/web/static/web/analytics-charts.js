/* The analytics pages' charts (Apache ECharts): the backlog by step and age, the returns matrix
   between units, trends per day with holidays shaded, and week by week per group. The numbers come
   from the JSON the page embeds (#analytics-chart-data). */
(function () {
  "use strict";

  var AGE = ["#c8e6c9", "#fff59d", "#ffcc80", "#ff8a65", "#c62828"];
  var LINES = ["#0b5cab", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#546e7a"];
  var GRID = { left: 8, right: 16, top: 40, bottom: 8, containLabel: true };

  function backlog(d) {
    return {
      color: AGE, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } }, legend: { top: 0 }, grid: GRID,
      xAxis: { type: "category", data: d.steps, axisLabel: { interval: 0, rotate: d.steps.length > 5 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: d.series.map(function (s) { return { name: s.name, type: "bar", stack: "age", data: s.data }; })
    };
  }

  function matrix(d) {
    var most = d.cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
    return {
      tooltip: {
        formatter: function (p) {
          return d.labels.from + "：" + d.units[p.value[1]] + "<br>" + d.labels.to + "：" + d.units[p.value[0]] + "<br>" + p.value[2];
        }
      },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.units, axisLabel: { interval: 0, rotate: 40, width: 90, overflow: "truncate" } },
      yAxis: { type: "category", data: d.units, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
      visualMap: { min: 0, max: most, show: false, inRange: { color: ["#fff3e0", "#bf360c"] } },
      series: [{
        type: "heatmap", label: { show: true },
        // [column (named), row (returning), n]
        data: d.cells.map(function (c) { return [c[1], c[0], c[2]]; })
      }]
    };
  }

  function trend(d) {
    var areas = d.holidays.filter(function (h) { return h.kind === "holiday"; }).map(function (h) {
      return [{ xAxis: h.date, name: h.name || d.labels.holiday }, { xAxis: h.date }];
    });
    var worked = d.holidays.filter(function (h) { return h.kind === "workday"; }).map(function (h) {
      return { xAxis: h.date, name: d.labels.workday };
    });
    return {
      color: ["#0b5cab", "#90a4ae"], tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: GRID,
      xAxis: { type: "category", data: d.days, boundaryGap: true },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: d.labels.now, type: "line", data: d.now, symbol: "none",
          markArea: { silent: true, itemStyle: { color: "rgba(198, 40, 40, 0.12)" }, label: { position: "insideTop", fontSize: 10 }, data: areas },
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#6a1b9a", type: "dashed" }, label: { formatter: "{b}", fontSize: 10 }, data: worked }
        },
        { name: d.labels.year_ago, type: "line", data: d.year_ago, symbol: "none", lineStyle: { type: "dashed" } }
      ]
    };
  }

  function groups(d) {
    return {
      color: LINES, tooltip: { trigger: "axis" }, legend: { top: 0, type: "scroll" }, grid: GRID,
      xAxis: { type: "category", data: d.weeks },
      yAxis: { type: "value", minInterval: 1 },
      series: d.series.map(function (s) { return { name: s.name, type: "line", data: s.data }; })
    };
  }

  var KINDS = { backlog: backlog, matrix: matrix, trend: trend, groups: groups };

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("analytics-chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-an-chart]").forEach(function (el) {
      var kind = el.dataset.anChart;
      if (!data[kind] || !KINDS[kind]) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(KINDS[kind](data[kind]));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
