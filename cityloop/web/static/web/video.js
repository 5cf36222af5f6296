/* Video patrol pages: the cameras' map (each camera a dot, what it sees a translucent sector over
   the roads; a tooltip names it) and the round page's countdown of the time per camera. */
(function () {
  "use strict";

  var FOV_STYLE = { color: "#1565c0", weight: 1, fillColor: "#42a5f5", fillOpacity: 0.3 };

  function cameraMap(el) {
    var M = window.CityLoopMap;
    if (typeof L === "undefined" || !M) { return; }
    var map = M.baseMap(el, { scrollWheelZoom: false });
    map.setView([30, 120], 12);
    Promise.all([M.getJSON(el.dataset.roads), M.getJSON(el.dataset.cameras)]).then(function (layers) {
      var roads = M.addLayer(map, layers[0], M.roadStyle, function (f) { return f.properties.name; });
      var data = layers[1] || { features: [] };
      var group = L.featureGroup();
      data.features.forEach(function (f) {
        var p = f.properties;
        var label = p.name + (p.area ? " · " + p.area : "");
        if (p.kind === "fov") {
          L.geoJSON(f, { style: FOV_STYLE }).bindTooltip(label, { sticky: true }).addTo(group);
        } else {
          var c = f.geometry.coordinates;
          L.circleMarker([c[1], c[0]], { radius: 5, color: "#0d47a1", weight: 2, fillColor: "#fff", fillOpacity: 1 })
            .bindTooltip(label).addTo(group);
        }
      });
      group.addTo(map);
      if (group.getLayers().length) {
        map.fitBounds(group.getBounds(), { maxZoom: 18, padding: [20, 20] });
      } else if (roads) {
        map.fitBounds(roads.getBounds());
      }
      M.labelAll(map, null, roads, null);
    });
  }

  function countdown(el) {
    var left = parseInt(el.dataset.countdown, 10);
    if (isNaN(left)) { return; }
    var template = el.textContent.replace(String(left), "{n}");
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(timer);
        el.classList.add("overdue");
        left = 0;
      }
      el.textContent = template.replace("{n}", String(left));
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-camera-map]").forEach(cameraMap);
    document.querySelectorAll("[data-countdown]").forEach(countdown);
  });
})();
