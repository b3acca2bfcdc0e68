/* Draws a Leaflet map for every element with data-markers; the page already lists the places,
   so without JavaScript or tiles nothing is lost. */
(function () {
  "use strict";
  function draw(element) {
    var source = document.getElementById(element.dataset.markers);
    if (!source || typeof L === "undefined") { return; }
    var markers = JSON.parse(source.textContent);
    if (!markers.length) { return; }
    element.hidden = false;
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
    var bounds = [];
    markers.forEach(function (marker) {
      var link = document.createElement("a");
      link.href = marker.url;
      link.textContent = marker.name;
      L.marker([marker.lat, marker.lng], { title: marker.name, alt: marker.name }).addTo(map).bindPopup(link);
      bounds.push([marker.lat, marker.lng]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], 16); } else { map.fitBounds(bounds, { padding: [24, 24] }); }
  }
  document.querySelectorAll("[data-markers]").forEach(draw);
})();
