/* CityLoop console: small behaviours shared by the pages (no framework; htmx does the requests).
   Every page works without this file; it only saves typing and taps. */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }

  // The language select submits itself; a button appears only without JavaScript.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-autosubmit]")) { target.form.submit(); }
    if (target.matches("input[name=nearest_component]")) {
      var form = target.form || document;
      var input = $("input[name=component]", form);
      if (input) { input.value = target.value; }
      if (target.value && target.dataset.code) {
        setCategory(form, target.dataset.code, "component", target.dataset.name || "");
      }
    }
    if (target.matches("[data-category-code], select[name=kind]")) { refreshNearest(); }
  });

  // The queue's search box asks as one types ("input from:#id_q" in the form's hx-trigger); its
  // change event, when the box is left, must not ask again. (A filter in hx-trigger would do it
  // with eval, which the Content-Security-Policy refuses.)
  var search = $("form.filters[hx-get] #id_q");
  if (search) { search.addEventListener("change", function (event) { event.stopPropagation(); }); }

  function setCategory(form, code, kind, name) {
    var codeInput = $("input[data-category-code]", form);
    var kindSelect = $("select[name=kind]", form) || $("select[name$='-kind']", form);
    if (codeInput) { codeInput.value = code; }
    if (kindSelect) { kindSelect.value = kind; }
    var chosen = $("[data-category-chosen]", form);
    if (chosen) { chosen.textContent = code + " " + name; }
  }

  document.addEventListener("click", function (event) {
    var category = event.target.closest("[data-pick-category]");
    if (category) {
      var form = category.closest("form") || document;
      setCategory(form, category.dataset.code, category.dataset.kind, category.dataset.name);
      var hits = category.closest(".hits");
      if (hits) { hits.innerHTML = ""; }
      var codeInput = $("input[data-category-code]", form);
      if (codeInput) { codeInput.focus(); }
      refreshNearest();
      return;
    }
    var place = event.target.closest("[data-pick-place]");
    if (place) {
      var lon = parseFloat(place.dataset.lon), lat = parseFloat(place.dataset.lat);
      if (window.CityLoopMap) { window.CityLoopMap.pick(lon, lat, 17); }
      var address = $("input[name=address]");
      if (address && !address.value) { address.value = place.dataset.name; }
      var placeHits = place.closest(".hits");
      if (placeHits) { placeHits.innerHTML = ""; }
      return;
    }
    var locate = event.target.closest("[data-geolocate]");
    if (locate) { useMyLocation(locate); }
  });

  function useMyLocation(button) {
    if (!navigator.geolocation) {
      button.textContent = button.dataset.unavailable || "×";
      return;
    }
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      button.disabled = false;
      if (window.CityLoopMap) {
        window.CityLoopMap.pick(pos.coords.longitude, pos.coords.latitude, 18);
      }
    }, function () {
      button.disabled = false;
      var located = $("#located");
      if (located) { located.innerHTML = "<p class='located error'>" + (button.dataset.denied || "Location unavailable") + "</p>"; }
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  }

  // Components near the chosen point (the supervisor's report): refreshed when the place or the
  // category changes.
  function refreshNearest() {
    var box = $("#nearest");
    var lon = $("#id_lon"), lat = $("#id_lat");
    if (!box || !lon || !lat || !lon.value || !lat.value) { return; }
    var form = box.closest("form");
    var params = new URLSearchParams({ lon: lon.value, lat: lat.value });
    var code = $("input[data-category-code]", form), kind = $("select[name=kind]", form);
    var component = $("input[name=component]", form);
    if (code && code.value) { params.set("category", code.value); }
    if (kind) { params.set("kind", kind.value); }
    if (component && component.value) { params.set("component", component.value); }
    fetch(box.dataset.nearestUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { box.innerHTML = html; });
  }
  // As the description is typed, and once the place is chosen: likely categories (staff forms),
  // the unit routing would choose, and open cases nearby of the same problem (是这个问题吗？).
  function refreshSuggest() {
    var box = $("#suggest");
    if (!box) { return; }
    var form = box.closest("form") || document;
    var text = $("textarea[name=description]", form) || $("input[name=description]", form);
    var lon = $("#id_lon"), lat = $("#id_lat");
    var params = new URLSearchParams({ text: text ? text.value : "" });
    if (lon && lat && lon.value && lat.value) { params.set("lon", lon.value); params.set("lat", lat.value); }
    if (box.dataset.picker) { params.set("picker", "1"); }
    if (params.get("text").trim().length < 4 && !params.get("lon")) { box.innerHTML = ""; return; }
    fetch(box.dataset.suggestUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { box.innerHTML = html; });
  }
  var suggestTimer = null;
  document.addEventListener("input", function (event) {
    if (event.target.matches("[name=description]") && $("#suggest")) {
      clearTimeout(suggestTimer);
      suggestTimer = setTimeout(refreshSuggest, 600);
    }
  });
  window.CityLoopNearest = function () { refreshNearest(); refreshSuggest(); };

  // Distances on the supervisor's task list, from where the phone is.
  function haversine(lon1, lat1, lon2, lat2) {
    var rad = Math.PI / 180, dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  window.CityLoopDistance = haversine;

  function formatDistance(m) { return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(1) + " km"; }
  window.CityLoopFormatDistance = formatDistance;

  document.addEventListener("DOMContentLoaded", function () {
    var list = $("[data-distances]");
    if (list && navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (pos) {
        list.querySelectorAll("[data-lon]").forEach(function (item) {
          var d = haversine(pos.coords.longitude, pos.coords.latitude,
            parseFloat(item.dataset.lon), parseFloat(item.dataset.lat));
          var span = item.querySelector(".distance");
          if (span) { span.textContent = formatDistance(d); }
        });
      }, function () { /* no location: distances stay empty */ }, { timeout: 10000, maximumAge: 60000 });
    }
  });
})();
