/* Frontage zones (门前三包) on the console's base map: the zones of the page's street or party over
   the roads; a zone's tooltip names its party and duties, a click opens the party. */
(function () {
  "use strict";

  var ZONE_STYLE = { color: "#e65100", weight: 1.2, fillColor: "#ff9800", fillOpacity: 0.45 };

  document.addEventListener("DOMContentLoaded", function () {
    var M = window.CityLoopMap;
    if (typeof L === "undefined" || !M) { return; }
    document.querySelectorAll("[data-frontage-map]").forEach(function (el) {
      var map = M.baseMap(el, { scrollWheelZoom: false });
      map.setView([36.07, 120.38], 13);
      Promise.all([M.getJSON(el.dataset.roads), M.getJSON(el.dataset.zones)]).then(function (layers) {
        var roads = M.addLayer(map, layers[0], M.roadStyle, function (f) { return f.properties.name; });
        var zones = M.addLayer(map, layers[1], ZONE_STYLE, function (f) {
          return f.properties.name + (f.properties.duties ? " · " + f.properties.duties : "");
        });
        if (zones) {
          if (el.dataset.partyUrl) {
            zones.eachLayer(function (layer) {
              layer.on("click", function () {
                window.location.href = el.dataset.partyUrl.replace("USCC", encodeURIComponent(layer.feature.properties.party));
              });
            });
          }
          map.fitBounds(zones.getBounds(), { maxZoom: 18, padding: [20, 20] });
        } else if (roads) {
          map.fitBounds(roads.getBounds());
        }
        M.labelAll(map, null, roads, null);
      });
    });
  });
})();
