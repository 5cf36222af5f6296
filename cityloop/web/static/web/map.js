/* CityLoop maps (Leaflet): vector layers of grids, boundaries and roads, cases coloured by their
   light (clustered), a point picker for reports, and directions for supervisors.
   No tile server is needed: tile layers are drawn only where the deployment configures them
   (CITYLOOP_MAP_LAYERS), and the city's own layers carry their names from a zoom on. */
(function () {
  "use strict";

  var COLORS = { red: "#c62828", yellow: "#e0a100", green: "#2e7d32", "": "#78909c" };
  var RANK = { red: 3, yellow: 2, green: 1, "": 0 };

  function colorFor(light) { return COLORS[light || ""] || COLORS[""]; }

  function getJSON(url) {
    if (!url) { return Promise.resolve(null); }
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  /* The configured base layers and overlays (a JSON block the page carries; empty: no tiles). */
  var configured = null;
  function tileLayers() {
    if (configured === null) {
      var block = document.getElementById("map-layers");
      try { configured = block ? JSON.parse(block.textContent) : []; } catch (e) { configured = []; }
    }
    return configured;
  }

  // The maps' own labels in the page's language (a JSON data block written by the page).
  function mapWords() {
    try { return JSON.parse(document.getElementById("map-i18n").textContent); } catch (e) { return {}; }
  }

  function baseMap(el, options) {
    var layers = tileLayers();
    var credited = layers.some(function (c) { return c.options.attribution; });
    var map = L.map(el, Object.assign({ attributionControl: credited, zoomControl: false, preferCanvas: true, zoomSnap: 0.5, minZoom: 3, maxZoom: 19 }, options || {}));
    // Leaflet's own zoom buttons are titled in English: the page's language names them instead.
    if (!options || options.zoomControl !== false) {
      var words = mapWords();
      L.control.zoom({ zoomInTitle: words.zoomIn || "+", zoomOutTitle: words.zoomOut || "-" }).addTo(map);
    }
    if (credited) { map.attributionControl.setPrefix(false); }
    var bases = {}, overlays = {}, first = null;
    layers.forEach(function (c) {
      // Overlays (labels such as 天地图's cva) stay above whichever base is chosen.
      var layer = L.tileLayer(c.url, Object.assign({ zIndex: c.overlay ? 5 : 1 }, c.options));
      if (c.overlay) { overlays[c.name] = layer; layer.addTo(map); }
      else { bases[c.name] = layer; if (!first) { first = layer; layer.addTo(map); } }
    });
    if (layers.length > 1) { L.control.layers(bases, overlays, { collapsed: true }).addTo(map); }
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  /* Names on the map, so a place can be found without any tiles: each kind from its own zoom on. */
  // Streets give way to their communities once those are legible; grid codes are long, so they wait.
  var LABEL_ZOOM = { street: [13, 16], community: [14.5, 99], road: [15.5, 99], grid: [17.5, 99] };
  function addLabels(map, geo, kind, text, alongLine) {
    if (!geo) { return; }
    // Shapes are placed once the map has a view (a map without grids gets one from its cases).
    map.whenReady(function () { placeLabels(map, geo, kind, text, alongLine); });
  }
  function placeLabels(map, geo, kind, text, alongLine) {
    var group = L.layerGroup(), seen = {};
    geo.eachLayer(function (shape) {
      var name = text(shape.feature);
      // A road drawn in several pieces is named once.
      if (!name || (alongLine && seen[name])) { return; }
      seen[name] = true;
      var span = document.createElement("span");
      span.textContent = name;
      var at = alongLine ? shape.getCenter() : shape.getBounds().getCenter();
      group.addLayer(L.tooltip({ permanent: true, direction: "center", className: "map-label map-label-" + kind, interactive: false })
        .setLatLng(at).setContent(span));
    });
    function toggle() {
      var zoom = map.getZoom(), range = LABEL_ZOOM[kind];
      var show = zoom >= range[0] && zoom < range[1];
      if (show && !map.hasLayer(group)) { group.addTo(map); }
      else if (!show && map.hasLayer(group)) { map.removeLayer(group); }
    }
    map.on("zoomend", toggle);
    toggle();
  }

  function parsePoint(text) {
    if (!text) { return null; }
    var parts = text.split(",").map(parseFloat);
    return isNaN(parts[0]) || isNaN(parts[1]) ? null : parts;
  }

  var GRID_STYLE = { color: "#90a4ae", weight: 0.6, fillColor: "#eceff1", fillOpacity: 0.35 };
  var ROAD_STYLE = function (f) {
    var kind = f.properties && f.properties.kind;
    return { color: "#c8a97e", weight: kind === "arterial" ? 5 : kind === "secondary" ? 3.5 : 2, opacity: 0.9 };
  };
  var BOUNDARY_STYLE = function (f) {
    var street = f.properties && f.properties.kind === "street";
    return { color: street ? "#37474f" : "#78909c", weight: street ? 2.2 : 1, dashArray: street ? null : "4 3", fill: false };
  };

  function addLayer(map, data, style, tooltip) {
    if (!data || !data.features || !data.features.length) { return null; }
    return L.geoJSON(data, {
      style: style,
      interactive: !!tooltip,
      onEachFeature: tooltip ? function (f, layer) {
        var text = tooltip(f);
        if (text) { layer.bindTooltip(text, { sticky: true }); }
      } : null
    }).addTo(map);
  }

  function labelAll(map, grids, roads, outlines) {
    addLabels(map, outlines && L.featureGroup(outlines.getLayers().filter(function (l) { return l.feature.properties.kind === "street"; })),
      "street", function (f) { return f.properties.name; }, false);
    addLabels(map, outlines && L.featureGroup(outlines.getLayers().filter(function (l) { return l.feature.properties.kind === "community"; })),
      "community", function (f) { return f.properties.name; }, false);
    addLabels(map, roads, "road", function (f) { return f.properties.name; }, true);
    addLabels(map, grids, "grid", function (f) { return f.properties.code; }, false);
  }

  function caseMarker(point, light) {
    return L.circleMarker([point[1], point[0]], {
      radius: 8, color: "#fff", weight: 2, fillColor: colorFor(light), fillOpacity: 0.95
    });
  }

  /* --- the overview map: grids, boundaries, roads and clustered cases ------------------------ */
  function overview(el) {
    var map = baseMap(el);
    var status = document.getElementById("map-status");
    var filter = document.getElementById("map-filter");
    var caseUrl = el.dataset.caseUrl;
    var clusters = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45,
      iconCreateFunction: function (cluster) {
        var worst = "";
        cluster.getAllChildMarkers().forEach(function (m) {
          if (RANK[m.options.light || ""] > RANK[worst]) { worst = m.options.light; }
        });
        var n = cluster.getChildCount();
        return L.divIcon({
          html: "<span>" + n + "</span>", className: "cluster cluster-" + (worst || "none"),
          iconSize: L.point(n < 100 ? 34 : 44, n < 100 ? 34 : 44)
        });
      }
    });
    map.addLayer(clusters);

    Promise.all([getJSON(el.dataset.grids), getJSON(el.dataset.boundaries), getJSON(el.dataset.roads)])
      .then(function (layers) {
        var grids = addLayer(map, layers[0], GRID_STYLE, function (f) { return f.properties.code + " · " + f.properties.community; });
        var roads = addLayer(map, layers[2], ROAD_STYLE, function (f) { return f.properties.name; });
        var outlines = addLayer(map, layers[1], BOUNDARY_STYLE, null);
        if (grids) { map.fitBounds(grids.getBounds(), { padding: [10, 10] }); }
        labelAll(map, grids, roads, outlines);
        loadCases(!grids);
      });

    var timer = null;
    function query() {
      var params = new URLSearchParams();
      if (filter) {
        new FormData(filter).forEach(function (value, key) { params.append(key, value); });
      }
      return params;
    }
    function loadCases(fit) {
      var params = query();
      if (!fit) {
        var b = map.getBounds();
        params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
      }
      if (!params.getAll("light").length) { clusters.clearLayers(); return; }
      getJSON(el.dataset.cases + "?" + params.toString()).then(function (data) {
        if (!data) { return; }
        clusters.clearLayers();
        var markers = data.cases.map(function (row) {
          var marker = caseMarker([row[1], row[2]], row[3]);
          marker.options.light = row[3];
          marker.bindTooltip(row[5] + " · " + (data.states[row[4]] || row[4]));
          marker.on("click", function () { window.location.href = caseUrl.replace("/0/", "/" + row[0] + "/"); });
          return marker;
        });
        clusters.addLayers(markers);
        if (fit && markers.length) { map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [20, 20] }); }
        if (status) {
          status.textContent = data.cases.length + " " + el.dataset.i18nShown +
            (data.truncated ? " " + el.dataset.i18nOf + " " + data.total + " · " + el.dataset.i18nZoom : "");
        }
      });
    }
    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { loadCases(false); }, 250);
    });
    if (filter) { filter.addEventListener("change", function () { loadCases(false); }); }
  }

  /* --- one case: its point on its community's grids ------------------------------------------- */
  function single(el) {
    var point = parsePoint(el.dataset.point);
    var map = baseMap(el, { scrollWheelZoom: false });
    map.setView([point[1], point[0]], 17);
    caseMarker(point, el.dataset.light).addTo(map);
    // The staff see the community's grids; the public tracking page only the roads, by name.
    if (el.dataset.grids) {
      getJSON(el.dataset.grids).then(function (data) {
        labelAll(map, addLayer(map, data, GRID_STYLE, function (f) { return f.properties.code; }), null, null);
      });
    }
    if (el.dataset.publicRoads) {
      getJSON(el.dataset.publicRoads).then(function (data) {
        labelAll(map, null, addLayer(map, data, ROAD_STYLE, function (f) { return f.properties.name; }), null);
      });
    }
    return { map: map, point: point };
  }

  /* --- directions for a supervisor: the case, where the phone is, and the way between -------- */
  function directions(el) {
    var made = single(el);
    getJSON(el.dataset.roads).then(function (data) {
      labelAll(made.map, null, addLayer(made.map, data, ROAD_STYLE, function (f) { return f.properties.name; }), null);
    });
    var text = document.getElementById("directions-text");
    if (!navigator.geolocation) { return; }
    var me = null, line = null;
    navigator.geolocation.watchPosition(function (pos) {
      var here = [pos.coords.latitude, pos.coords.longitude], there = [made.point[1], made.point[0]];
      if (!me) {
        me = L.circleMarker(here, { radius: 7, color: "#fff", weight: 2, fillColor: "#0b5cab", fillOpacity: 1 })
          .bindTooltip(el.dataset.i18nYou).addTo(made.map);
        line = L.polyline([here, there], { color: "#0b5cab", weight: 3, dashArray: "6 6" }).addTo(made.map);
        made.map.fitBounds(line.getBounds(), { padding: [30, 30], maxZoom: 18 });
      } else {
        me.setLatLng(here);
        line.setLatLngs([here, there]);
      }
      var d = window.CityLoopDistance(pos.coords.longitude, pos.coords.latitude, made.point[0], made.point[1]);
      if (text) {
        text.textContent = el.dataset.i18nWay.replace("{distance}", window.CityLoopFormatDistance(d))
          .replace("{direction}", bearing(here, there));
      }
    }, function () { /* no location: the map shows the case only */ }, { enableHighAccuracy: true, maximumAge: 10000 });
  }

  function bearing(from, to) {
    var rad = Math.PI / 180;
    var y = Math.sin((to[1] - from[1]) * rad) * Math.cos(to[0] * rad);
    var x = Math.cos(from[0] * rad) * Math.sin(to[0] * rad) -
      Math.sin(from[0] * rad) * Math.cos(to[0] * rad) * Math.cos((to[1] - from[1]) * rad);
    var deg = (Math.atan2(y, x) / rad + 360) % 360;
    var names = document.documentElement.lang.indexOf("zh") === 0
      ? ["北", "东北", "东", "东南", "南", "西南", "西", "西北"]
      : ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"];
    return names[Math.round(deg / 45) % 8];
  }

  /* --- the report picker: tap the map (or use the phone's location, or search a place) ------- */
  function picker(el) {
    var map = baseMap(el);
    var lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
    var marker = null;
    var whereUrl = el.dataset.where;

    function pick(x, y, zoom) {
      lon.value = x.toFixed(6);
      lat.value = y.toFixed(6);
      if (!marker) {
        // Leaflet's marker image says "Marker" to a screen reader unless told otherwise.
        marker = L.marker([y, x], { draggable: true, keyboard: true, alt: mapWords().marker || "" }).addTo(map);
        marker.on("dragend", function () { var p = marker.getLatLng(); pick(p.lng, p.lat); });
      } else {
        marker.setLatLng([y, x]);
      }
      if (zoom) { map.setView([y, x], zoom); }
      fetch(whereUrl + "?lon=" + lon.value + "&lat=" + lat.value, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) { var box = document.getElementById("located"); if (box) { box.innerHTML = html; } });
      if (window.CityLoopNearest) { window.CityLoopNearest(); }
    }
    window.CityLoopMap = { pick: pick, map: map };
    map.on("click", function (e) { pick(e.latlng.lng, e.latlng.lat); });

    // Coordinates pasted from a map app: the server converts them from the app's system (as the
    // report will be), and the marker goes there so the reporter sees where the case will lie.
    var pasted = document.getElementById("id_pasted"), system = document.getElementById("id_crs");
    var pastedTimer = null;
    function convertPasted() {
      if (!pasted || !pasted.value.trim()) { return; }
      var query = "?pasted=" + encodeURIComponent(pasted.value) + "&crs=" + encodeURIComponent(system ? system.value : "");
      fetch(whereUrl + query, { credentials: "same-origin" }).then(function (r) {
        var at = r.headers.get("X-CityLoop-Point");
        return r.text().then(function (html) {
          if (at) {
            var xy = at.split(",");
            pick(parseFloat(xy[0]), parseFloat(xy[1]), 17);
          } else {
            var box = document.getElementById("located");
            if (box) { box.innerHTML = html; }
          }
        });
      });
    }
    if (pasted) {
      pasted.addEventListener("input", function () { clearTimeout(pastedTimer); pastedTimer = setTimeout(convertPasted, 400); });
    }
    if (system) { system.addEventListener("change", convertPasted); }

    Promise.all([getJSON(el.dataset.grids), getJSON(el.dataset.roads)]).then(function (layers) {
      var grids = addLayer(map, layers[0], GRID_STYLE, null);
      var roads = addLayer(map, layers[1], ROAD_STYLE, null);
      var x = parseFloat(lon.value), y = parseFloat(lat.value);
      if (!isNaN(x) && !isNaN(y)) {
        pick(x, y, 17);
      } else if (grids) {
        map.fitBounds(grids.getBounds());
      } else if (roads) {
        map.fitBounds(roads.getBounds());
      } else {
        map.setView([30, 120], 12);
      }
      labelAll(map, grids, roads, null);
    });
  }

  /* --- hexagons: a count per H3 cell (analytics), darker for more, red-edged when significant -- */
  var HEAT = ["#fff3e0", "#ffcc80", "#ffa726", "#f57c00", "#e65100", "#bf360c"];
  function hexes(el) {
    var map = baseMap(el);
    var cells = [];
    try { cells = JSON.parse(document.getElementById(el.dataset.source).textContent) || []; } catch (e) { cells = []; }
    var most = cells.reduce(function (m, c) { return Math.max(m, c.count); }, 0) || 1;
    var drawn = L.featureGroup(cells.map(function (c) {
      var shade = HEAT[Math.min(HEAT.length - 1, Math.floor((HEAT.length - 1) * c.count / most + 0.5))];
      return L.polygon(c.boundary, {
        color: c.significant ? "#b71c1c" : "#6d4c41", weight: c.significant ? 3 : 1,
        fillColor: shade, fillOpacity: 0.65
      }).bindTooltip(c.label, { sticky: true });
    })).addTo(map);
    getJSON(el.dataset.boundaries).then(function (data) {
      var outlines = addLayer(map, data, BOUNDARY_STYLE, null);
      if (outlines) { outlines.bringToBack(); }
      if (cells.length) { map.fitBounds(drawn.getBounds(), { padding: [16, 16], maxZoom: 16 }); }
      else if (outlines) { map.fitBounds(outlines.getBounds(), { padding: [10, 10] }); }
      labelAll(map, null, null, outlines);
    });
  }

  // For the pages that draw their own layers on the same base (frontage zones).
  window.CityLoopMap = { baseMap: baseMap, getJSON: getJSON, addLayer: addLayer, labelAll: labelAll, roadStyle: ROAD_STYLE };

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-map]").forEach(function (el) {
      var kind = el.dataset.map;
      if (kind === "overview") { overview(el); }
      else if (kind === "case") { single(el); }
      else if (kind === "directions") { directions(el); }
      else if (kind === "picker") { picker(el); }
      else if (kind === "hexes") { hexes(el); }
    });
  });
})();
