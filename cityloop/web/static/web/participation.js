/* The public map of the city's problems (公众地图): markers of the box in view, the list beside it
   (an htmx-free fragment fetched as the map moves), the filters, and drawing the area of an alert:
   a tap marks a circle's centre; "draw an area" turns taps into a polygon's corners. */
(function () {
  "use strict";

  var COLOURS = { reported: "#e65100", in_progress: "#1565c0", closed: "#2e7d32" };

  function params(form, map, page) {
    var b = map.getBounds();
    var q = new URLSearchParams(new FormData(form));
    q.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
    if (page) { q.set("page", page); }
    return q;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var M = window.CityLoopMap;
    var el = document.querySelector("[data-public-map]");
    if (typeof L === "undefined" || !M || !el) { return; }
    var form = document.getElementById("pm-filters");
    var list = document.getElementById("pm-list");
    var summary = document.getElementById("pm-summary");
    var map = M.baseMap(el, { scrollWheelZoom: true });
    var center = (el.dataset.center || "").split(",").map(Number);
    map.setView(center.length === 2 ? [center[1], center[0]] : [36.07, 120.38], 16);
    M.getJSON(el.dataset.roads).then(function (roads) {
      M.addLayer(map, roads, M.roadStyle, function (f) { return f.properties.name; });
    });
    var markers = L.layerGroup().addTo(map);
    var timer = null;

    function loadList(page) {
      fetch(el.dataset.list + "?" + params(form, map, page), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) { list.innerHTML = html; });
    }

    function load() {
      var size = map.getSize();
      if (!size.x || !size.y) { return; }
      var q = params(form, map);
      fetch(el.dataset.points + "?" + q, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          markers.clearLayers();
          if (data.error) { summary.textContent = summary.dataset.zoom || ""; return; }
          data.points.forEach(function (p) {
            var m = L.circleMarker([p[2], p[1]], { radius: 7, color: "#fff", weight: 1.5, fillColor: COLOURS[p[3]] || "#555", fillOpacity: 0.9 });
            m.bindTooltip(p[0] + " · " + (data.labels[p[3]] || ""));
            m.on("click", function () { window.location.href = el.dataset.caseUrl.replace("NUMBER", encodeURIComponent(p[0])); });
            m.addTo(markers);
          });
          summary.textContent = data.points.length + (data.truncated ? "+" : "");
        });
      loadList();
    }

    function later() { clearTimeout(timer); timer = setTimeout(load, 250); }
    map.on("moveend", later);
    form.addEventListener("change", later);
    list.addEventListener("click", function (e) {
      var b = e.target.closest("[data-pm-page]");
      if (b) { loadList(b.dataset.pmPage); }
    });
    load();

    // The alert's area.
    var lon = document.getElementById("pm-lon"), lat = document.getElementById("pm-lat");
    var polygonField = document.getElementById("pm-polygon"), radius = document.getElementById("pm-radius");
    var note = document.getElementById("pm-area-note");
    var drawing = false, corners = [], shape = null;
    function redraw() {
      if (shape) { map.removeLayer(shape); shape = null; }
      if (drawing && corners.length) {
        shape = L.polygon(corners.map(function (c) { return [c[1], c[0]]; }), { color: "#6a1b9a", weight: 2 }).addTo(map);
        polygonField.value = corners.length >= 3 ? JSON.stringify(corners) : "";
        note.textContent = corners.length + " / 3+";
      } else if (lon.value) {
        shape = L.circle([+lat.value, +lon.value], { radius: +radius.value, color: "#6a1b9a", weight: 2 }).addTo(map);
        note.textContent = lon.value + ", " + lat.value + " · " + radius.value + " m";
      }
    }
    map.on("click", function (e) {
      var point = [+e.latlng.lng.toFixed(6), +e.latlng.lat.toFixed(6)];
      if (drawing) { corners.push(point); } else { lon.value = point[0]; lat.value = point[1]; }
      redraw();
    });
    radius.addEventListener("change", redraw);
    document.getElementById("pm-draw").addEventListener("click", function () {
      drawing = true; corners = []; lon.value = ""; lat.value = ""; polygonField.value = ""; redraw();
    });
    document.getElementById("pm-clear").addEventListener("click", function () {
      drawing = false; corners = []; lon.value = ""; lat.value = ""; polygonField.value = ""; redraw();
      note.textContent = "";
    });
  });
})();
