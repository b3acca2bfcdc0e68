/* Draws a Leaflet map for every element with data-markers (points embedded in the page) or
   data-geojson (a GeoJSON URL, fetched). The page already lists the places, so without
   JavaScript or tiles nothing is lost. Markers are grouped into clusters (leaflet.markercluster,
   bundled with Leaflet) so that hundreds stay readable and none hides another. */
(function () {
  "use strict";

  /* Leaflet finds its default marker images by parsing a CSS url(); with hashed static file names
     that fails (404), so the page hands over the real URLs. No shadow: Leaflet ships it at one
     resolution only (blurred on phone screens), and it would cost a request. */
  function markerIcon(element) {
    return L.icon({
      iconUrl: element.dataset.iconUrl,
      iconRetinaUrl: element.dataset.iconRetinaUrl,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      tooltipAnchor: [16, -28]
    });
  }
  window.PortalMap = { markerIcon: markerIcon }; // the admin's map picker uses it too

  function popup(point) {
    var box = document.createElement("div");
    box.className = "place-popup";
    if (point.thumb) {
      var image = document.createElement("img");
      image.src = point.thumb;
      image.width = 160;
      image.height = 120;
      image.alt = "";
      image.loading = "lazy";
      box.appendChild(image);
    }
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.name;
    box.appendChild(link);
    return box;
  }

  /* The box is in the page from the start, its height reserved, so nothing below it moves when
     the map appears; where there is nothing to draw it goes. (Without JavaScript, noscript.css
     hides it.) */
  function show(element, points) {
    if (!points.length) { element.hidden = true; return; }
    var icon = markerIcon(element);
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
    var group = points.length > 1
      ? L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 50,
        // Markers are added in slices of at most 40 ms (default 200), so a long list never
        // holds a cheap phone's main thread for long: the page stays responsive to taps.
        chunkedLoading: true,
        chunkInterval: 40,
        chunkDelay: 10
      })
      : L.featureGroup();
    var bounds = [];
    points.forEach(function (point) {
      // Built with DOM nodes, never HTML strings: a name like "<script>" stays text.
      group.addLayer(L.marker([point.lat, point.lng], { icon: icon, title: point.name, alt: point.name }).bindPopup(popup(point)));
      bounds.push([point.lat, point.lng]);
    });
    group.addTo(map);
    if (bounds.length === 1) { map.setView(bounds[0], 16); } else { map.fitBounds(bounds, { padding: [24, 24] }); }
  }

  function fromGeoJSON(collection) {
    return (collection.features || []).filter(function (feature) {
      return feature.geometry && feature.geometry.type === "Point";
    }).map(function (feature) {
      var properties = feature.properties || {};
      return {
        lng: feature.geometry.coordinates[0],
        lat: feature.geometry.coordinates[1],
        name: properties.name,
        url: properties.url,
        thumb: properties.thumb
      };
    });
  }

  function draw(element) {
    if (typeof L === "undefined") { element.hidden = true; return; }
    if (element.dataset.geojson) {
      fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } })
        .then(function (response) { return response.ok ? response.json() : { features: [] }; })
        .then(function (collection) { show(element, fromGeoJSON(collection)); })
        .catch(function () { element.hidden = true; /* offline: the list has every place */ });
      return;
    }
    var source = document.getElementById(element.dataset.markers);
    if (source) { show(element, JSON.parse(source.textContent)); }
  }

  document.querySelectorAll("[data-markers], [data-geojson]").forEach(draw);
})();
