/* Draws a Leaflet map for every element with data-markers (points embedded in the page) or
   data-geojson (a GeoJSON URL, fetched). The page already lists the places, so without
   JavaScript or tiles nothing is lost. Markers are grouped into clusters (leaflet.markercluster,
   bundled with Leaflet) so that hundreds stay readable and none hides another. */
(function () {
  "use strict";

  /* Leaflet finds its marker images by parsing a CSS url(); with hashed static file names that
     fails (404), so the page hands over the real URLs. */
  function useIcons(element) {
    if (!element.dataset.iconUrl) { return; }
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: element.dataset.iconUrl,
      iconRetinaUrl: element.dataset.iconRetinaUrl,
      shadowUrl: element.dataset.shadowUrl
    });
  }
  window.PortalMap = { useIcons: useIcons }; // the admin's map picker uses it too

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

  function show(element, points) {
    if (!points.length) { return; }
    element.hidden = false;
    useIcons(element);
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
    var group = typeof L.markerClusterGroup === "function" && points.length > 1
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true })
      : L.featureGroup();
    var bounds = [];
    points.forEach(function (point) {
      // Built with DOM nodes, never HTML strings: a name like "<script>" stays text.
      group.addLayer(L.marker([point.lat, point.lng], { title: point.name, alt: point.name }).bindPopup(popup(point)));
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
    if (typeof L === "undefined") { return; }
    if (element.dataset.geojson) {
      fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } })
        .then(function (response) { return response.ok ? response.json() : { features: [] }; })
        .then(function (collection) { show(element, fromGeoJSON(collection)); })
        .catch(function () { /* offline: the list below still has every place */ });
      return;
    }
    var source = document.getElementById(element.dataset.markers);
    if (source) { show(element, JSON.parse(source.textContent)); }
  }

  document.querySelectorAll("[data-markers], [data-geojson]").forEach(draw);
})();
