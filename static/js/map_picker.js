/* The admin's map picker (umkm/widgets.py): a click or a dragged marker fills in the latitude and
   longitude inputs, and typing in them moves the marker. The inputs work on their own without
   this script or without map tiles. */
(function () {
  "use strict";
  var BOUNDS = { south: -11.5, north: 6.5, west: 94.5, east: 141.5 }; // as the database checks

  function inIndonesia(lat, lng) {
    return lat >= BOUNDS.south && lat <= BOUNDS.north && lng >= BOUNDS.west && lng <= BOUNDS.east;
  }

  function setup(element) {
    var latInput = document.getElementById(element.dataset.latInput);
    var lngInput = document.getElementById(element.dataset.lngInput);
    if (!latInput || !lngInput || typeof L === "undefined") { return; }
    element.hidden = false;
    var help = element.nextElementSibling;
    if (help && help.classList.contains("map-picker-help")) { help.hidden = false; }

    var center = element.dataset.center.split(",").map(Number);
    var icon = window.PortalMap ? window.PortalMap.markerIcon(element) : new L.Icon.Default();
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
    var marker = null;

    function typed() {
      var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
      return isFinite(lat) && isFinite(lng) && inIndonesia(lat, lng) ? L.latLng(lat, lng) : null;
    }

    function write(latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lngInput.value = L.Util.wrapNum(latlng.lng, [-180, 180], true).toFixed(6);
      [latInput, lngInput].forEach(function (input) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); return; }
      marker = L.marker(latlng, { icon: icon, draggable: true, autoPan: true, title: element.getAttribute("aria-label") }).addTo(map);
      marker.on("dragend", function () { write(marker.getLatLng()); });
    }

    map.on("click", function (event) { place(event.latlng); write(event.latlng); });
    [latInput, lngInput].forEach(function (input) {
      input.addEventListener("input", function () {
        var point = typed();
        if (point) { place(point); map.panTo(point); }
      });
    });

    var start = typed();
    if (start) { place(start); map.setView(start, 17); } else { map.setView(center, Number(element.dataset.zoom)); }
  }

  // The admin loads form media in <head>, before the form exists.
  function start() { document.querySelectorAll("[data-map-picker]").forEach(setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
