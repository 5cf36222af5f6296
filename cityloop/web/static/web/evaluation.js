/* Draw the page's charts (Apache ECharts) from the numbers embedded as JSON. */
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("evaluation-chart");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var drawn = [];
  var trend = document.getElementById("chart-trend");
  if (trend) {
    var t = echarts.init(trend);
    t.setOption({
      color: ["#0b5cab"], tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      legend: { top: 0 },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ name: data.labels.index, type: "line", data: data.index, connectNulls: false,
                 markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#90a4ae" },
                             data: [{ yAxis: 90 }, { yAxis: 75 }, { yAxis: 60 }, { yAxis: 40 }] } }]
    });
    drawn.push(t);
  }
  var grades = document.getElementById("chart-grades");
  if (grades && data.grades) {
    var g = echarts.init(grades);
    var colours = ["#2e7d32", "#558b2f", "#f9a825", "#ef6c00", "#c62828"];
    g.setOption({
      tooltip: { trigger: "item" }, grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      title: { text: data.labels.grades, textStyle: { fontSize: 13 } },
      xAxis: { type: "category", data: ["A", "B", "C", "D", "E"] }, yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.grades.map(function (v, i) { return { value: v, itemStyle: { color: colours[i] } }; }),
                 label: { show: true, position: "top" } }]
    });
    drawn.push(g);
  }
  window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
});
