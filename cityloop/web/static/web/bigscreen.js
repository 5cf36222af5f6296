/* The command centre's wall (/bigscreen/): renders the snapshot the page carries, then polls the
   JSON API every few seconds (data-refresh) and redraws in place. Nothing is inline (CSP): the words
   come from a JSON data block the page writes in Chinese. */
(function () {
  "use strict";

  var COLORS = { red: "#ff4d4f", yellow: "#ffc53d", green: "#52c41a", "": "#8c8c8c" };
  var body = document.body;
  var words = JSON.parse(document.getElementById("wall-words").textContent);
  var map = null, squares = null, rings = null, fitted = false, hourChart = null;

  function el(id) { return document.getElementById(id); }
  function node(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }
  var TZ = body.dataset.tz || undefined;
  function fmt(n) { return Number(n || 0).toLocaleString("zh-CN"); }
  function clear(n) { while (n.firstChild) { n.removeChild(n.firstChild); } return n; }
  function empty(list) { var li = node("li", "empty"); li.appendChild(node("span", "empty", words.nothing)); list.appendChild(li); }

  function tick() {
    var now = new Date();
    el("wall-clock").textContent = now.toLocaleString("zh-CN", { hour12: false, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: TZ });
  }

  function intake(data) {
    el("intake-total").textContent = fmt(data.total);
    var compare = clear(el("intake-compare"));
    compare.appendChild(document.createTextNode(words.yesterday + " " + fmt(data.yesterday_same_time) + " "));
    if (data.yesterday_same_time > 0) {
      var change = Math.round(100 * (data.total - data.yesterday_same_time) / data.yesterday_same_time);
      compare.appendChild(node("span", change >= 0 ? "up" : "down", (change >= 0 ? "▲ " : "▼ ") + Math.abs(change) + "%"));
    }
    var list = clear(el("intake-channels"));
    var most = Math.max.apply(null, data.channels.map(function (c) { return c.n; }).concat([1]));
    data.channels.slice(0, 8).forEach(function (c) {
      var li = node("li"), bar = node("span", "bar"), fill = node("span");
      bar.appendChild(fill);
      li.appendChild(node("span", "name", c.name));
      li.appendChild(bar);
      li.appendChild(node("b", "", fmt(c.n)));
      list.appendChild(li);
      // CSSOM, not a style attribute: the CSP allows it.
      window.requestAnimationFrame(function () { fill.style.width = (100 * c.n / most) + "%"; });
    });
    if (window.echarts) {
      if (!hourChart) { hourChart = window.echarts.init(el("intake-hours"), null, { renderer: "canvas" }); }
      var hours = [];
      for (var h = 0; h < 24; h++) { hours.push(h + words.hour); }
      hourChart.setOption({
        grid: { left: 44, right: 10, top: 16, bottom: 28 },
        xAxis: { type: "category", data: hours, axisLabel: { color: "#7f9bbd", fontSize: 14, interval: 3 }, axisLine: { lineStyle: { color: "#1d3b63" } } },
        yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#7f9bbd", fontSize: 14 }, splitLine: { lineStyle: { color: "#132a47" } } },
        series: [{ type: "bar", data: data.hours, itemStyle: { color: "#35c7ff", borderRadius: [3, 3, 0, 0] }, barWidth: "60%" }],
        animationDuration: 600
      });
    }
  }

  function kpis(data) {
    el("kpi-open").textContent = fmt(data.lights.open);
    ["red", "yellow", "green"].forEach(function (k) { el("kpi-" + k).textContent = fmt(data.lights.totals[k]); });
    el("kpi-month").textContent = fmt(data.month_total);
  }

  function hotList(data) {
    var list = clear(el("hot-list"));
    data.hotspots.spots.forEach(function (s) {
      var li = node("li"), name = node("span", "name");
      if (s.significant) { name.appendChild(node("span", "hot", words.hot)); }
      name.appendChild(document.createTextNode(s.name));
      var fig = node("span", "fig", fmt(s.count) + " " + words.cases);
      if (s.expected !== null) { fig.appendChild(node("span", "usual", words.usual + " " + Number(s.expected).toFixed(1))); }
      li.appendChild(name);
      li.appendChild(fig);
      list.appendChild(li);
    });
    if (!data.hotspots.spots.length) { empty(list); }
  }

  function redList(data) {
    var list = clear(el("red-list"));
    data.red_units.forEach(function (u) {
      var li = node("li"), fig = node("span", "fig");
      fig.appendChild(node("span", "red", fmt(u.red)));
      fig.appendChild(document.createTextNode(" " + words.red_n));
      fig.appendChild(node("span", "yellow", fmt(u.yellow) + " " + words.yellow_n));
      li.appendChild(node("span", "name", u.name));
      li.appendChild(fig);
      list.appendChild(li);
    });
    if (!data.red_units.length) { empty(list); }
  }

  function standing(data) {
    var box = clear(el("eval-tables"));
    var run = data.evaluation;
    el("eval-period").textContent = run ? run.label + " · " + (run.status === "published" ? words.published : words.draft) : "";
    if (!run || !run.tables.length) { box.appendChild(node("p", "wall-note", words.noRun)); return; }
    run.tables.forEach(function (t) {
      var table = node("table", "eval-table");
      table.appendChild(node("caption", "", t.title));
      var head = node("tr");
      [words.rank, "", words.index, words.grade].forEach(function (h) { head.appendChild(node("th", "", h)); });
      table.appendChild(head);
      function row(r) {
        var tr = node("tr");
        tr.appendChild(node("td", "num", r.rank));
        tr.appendChild(node("td", "", r.name));
        tr.appendChild(node("td", "num", Number(r.index).toFixed(1)));
        var g = node("td");
        g.appendChild(node("span", "grade grade-" + r.grade, r.grade));
        tr.appendChild(g);
        table.appendChild(tr);
      }
      t.top.forEach(row);
      if (!t.top.length) {
        var none = node("tr", "gap"), cell = node("td", "", words.noneRanked);
        cell.colSpan = 4;
        none.appendChild(cell);
        table.appendChild(none);
      }
      if (t.bottom.length) {
        var gap = node("tr", "gap"), td = node("td", "", "⋯");
        td.colSpan = 4;
        gap.appendChild(td);
        table.appendChild(gap);
        t.bottom.forEach(row);
      }
      box.appendChild(table);
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  function setupMap() {
    if (!window.L) { return; }
    map = L.map(el("wall-map"), { zoomControl: false, attributionControl: false, preferCanvas: true, zoomSnap: 0.25 });
    var layers = [];
    try { layers = JSON.parse(el("map-layers").textContent); } catch (e) { layers = []; }
    layers.filter(function (c) { return !c.overlay; }).slice(0, 1).forEach(function (c) { L.tileLayer(c.url, c.options).addTo(map); });
    Promise.all([getJSON(body.dataset.grids), getJSON(body.dataset.roads), getJSON(body.dataset.boundaries)]).then(function (res) {
      var grids = res[0], roads = res[1], outlines = res[2];
      if (grids && grids.features.length) {
        var g = L.geoJSON(grids, { interactive: false, style: { color: "#1f3f66", weight: 0.6, fillColor: "#0c203a", fillOpacity: 0.6 } }).addTo(map);
        if (!fitted) { map.fitBounds(g.getBounds(), { padding: [10, 10] }); fitted = true; }
      }
      if (roads) {
        L.geoJSON(roads, { interactive: false, style: function (f) {
          var k = f.properties && f.properties.kind;
          return { color: "#3b6aa0", weight: k === "arterial" ? 3.5 : k === "secondary" ? 2.2 : 1.2, opacity: 0.8 };
        } }).addTo(map);
      }
      if (outlines) {
        L.geoJSON(outlines, { interactive: false, style: function (f) {
          var street = f.properties && f.properties.kind === "street";
          return { color: street ? "#35c7ff" : "#2b5d8c", weight: street ? 2 : 0.8, dashArray: street ? null : "3 3", fill: false, opacity: street ? 0.9 : 0.6 };
        } }).addTo(map);
      }
      if (squares) { squares.bringToFront(); }
      if (rings) { rings.bringToFront(); }
    });
  }

  function drawMap(data) {
    if (!map) { return; }
    if (squares) { map.removeLayer(squares); }
    if (rings) { map.removeLayer(rings); }
    squares = L.featureGroup();
    var bounds = [];
    // The worst lights come first from the server: draw them last, on top.
    data.lights.squares.slice().reverse().forEach(function (s) {
      bounds.push([s[1], s[0]]);
      squares.addLayer(L.circleMarker([s[1], s[0]], {
        radius: Math.min(18, 5 + 2.5 * Math.sqrt(s[3])), color: COLORS[s[2]] || COLORS[""], weight: 2, opacity: 0.45,
        fillColor: COLORS[s[2]] || COLORS[""], fillOpacity: s[2] === "red" ? 0.95 : 0.8, interactive: false
      }));
    });
    squares.addTo(map);
    rings = L.featureGroup();
    data.hotspots.spots.forEach(function (s) {
      if (s.lat === null || s.lon === null || !s.significant) { return; }
      rings.addLayer(L.circleMarker([s.lat, s.lon], { radius: 24, color: "#ff7a45", weight: 4, fill: false, interactive: false }));
    });
    rings.addTo(map);
    if (!fitted && bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); fitted = true; }
    if (!fitted) { map.setView([30.27, 120.15], 12); }
  }

  function render(data) {
    intake(data.intake);
    kpis(data);
    hotList(data);
    redList(data);
    standing(data);
    drawMap(data);
    var at = new Date(data.at);
    var status = el("wall-status");
    status.className = "";
    status.textContent = words.updated + " " + at.toLocaleTimeString("zh-CN", { hour12: false, timeZone: TZ });
  }

  function poll() {
    getJSON(body.dataset.api).then(function (data) {
      if (data && data.intake) { render(data); }
      else { var s = el("wall-status"); s.className = "stale"; s.textContent = words.stale; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
    setupMap();
    render(JSON.parse(el("wall-first").textContent));
    var every = Math.max(10, parseInt(body.dataset.refresh, 10) || 30) * 1000;
    window.setInterval(poll, every);
    window.addEventListener("resize", function () { if (hourChart) { hourChart.resize(); } if (map) { map.invalidateSize(); } });
  });
})();
