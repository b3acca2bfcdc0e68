/* Draws a Leaflet map for every element with data-markers (points embedded in the page) or
   data-geojson (the map data's URL). The page already lists the places, so without JavaScript or
   tiles nothing is lost.

   A data-geojson map asks only for what it shows: first the whole extent (the server answers
   with its box, bbox), then, after every move or zoom, the viewport snapped outward to the grid
   of that zoom (data-map-grid, from umkm/mapgrid.py: the same arithmetic, so nearby viewports ask
   the very same address and share one cached copy). Far out the server sends clusters (a count
   per grid cell), drawn as circles that zoom in when clicked; close in, the places themselves.

   Every text the map shows (control titles, the clusters' labels, notices) comes from the
   element's data-text-* attributes, translated in the template (includes/_map_texts.html). */
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

  /* Leaflet's own texts (the zoom buttons' titles, its attribution link, the popups' close
     button) are English; these replace them with the page's language. Text is set through DOM
     properties, never as HTML. */
  function localized(element, options) {
    var texts = element.dataset;
    var map = L.map(element, L.extend({ zoomControl: false }, options || {}));
    L.control.zoom({
      zoomInTitle: texts.textZoomIn || "Zoom in",
      zoomOutTitle: texts.textZoomOut || "Zoom out"
    }).addTo(map);
    var leaflet = document.createElement("a");
    leaflet.href = "https://leafletjs.com";
    leaflet.title = texts.textLeaflet || "";
    leaflet.textContent = "Leaflet";
    map.attributionControl.setPrefix(leaflet.outerHTML);
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && texts.textClosePopup) { close.setAttribute("aria-label", texts.textClosePopup); }
    });
    return map;
  }
  // The admin's map picker uses both too.
  window.PortalMap = { markerIcon: markerIcon, localized: localized };

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

  function tiles(element, map) {
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
  }

  // Built with DOM nodes, never HTML strings: a name like "<script>" stays text.
  function placeMarker(point, icon) {
    return L.marker([point.lat, point.lng], { icon: icon, title: point.name, alt: point.name }).bindPopup(popup(point));
  }

  function pointGroup(count) {
    return count > 1
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
  }

  /* Points embedded in the page (a detail page, the kecamatan's offices). The box is in the page
     from the start, its height reserved, so nothing below it moves when the map appears; where
     there is nothing to draw it goes. (Without JavaScript, noscript.css hides it.) */
  function showMarkers(element, points) {
    if (!points.length) { element.hidden = true; return; }
    var icon = markerIcon(element);
    var map = localized(element, { scrollWheelZoom: false });
    tiles(element, map);
    var group = pointGroup(points.length);
    var bounds = [];
    points.forEach(function (point) {
      group.addLayer(placeMarker(point, icon));
      bounds.push([point.lat, point.lng]);
    });
    group.addTo(map);
    if (bounds.length === 1) { map.setView(bounds[0], 16); } else { map.fitBounds(bounds, { padding: [24, 24] }); }
  }

  /* --- Map data asked per viewport --------------------------------------------------------- */

  function decimals(unit) {
    var dot = unit.indexOf(".");
    return dot < 0 ? 0 : unit.length - dot - 1;
  }

  /* umkm/mapgrid.py's snap(): clamp to the bounds, snap outward to whole units (at least one);
     "+ 0" turns -0 into 0. (A box wider than MAX_UNITS the server narrows, with a redirect.) */
  function units(value, unit) { // 110.88 / 0.02 is 5543.999999999999: a snapped edge stays
    var count = value / unit, nearest = Math.round(count);
    return Math.abs(count - nearest) < 1e-6 ? nearest : count;
  }

  function snappedRange(low, high, unit, lowest, highest) {
    low = Math.min(Math.max(low, lowest), highest);
    high = Math.min(Math.max(high, lowest), highest);
    var first = Math.floor(units(low, unit)), last = Math.ceil(units(high, unit));
    if (last <= first) { last = first + 1; }
    return [first * unit + 0, last * unit + 0];
  }

  function viewportQuery(map, grid) {
    var zoom = Math.min(Math.max(map.getZoom(), grid.minZoom), grid.maxZoom);
    var unitText = grid.units[String(zoom)], unit = parseFloat(unitText), digits = decimals(unitText);
    var box = map.getBounds();
    var x = snappedRange(box.getWest(), box.getEast(), unit, grid.bounds[0], grid.bounds[2]);
    var y = snappedRange(box.getSouth(), box.getNorth(), unit, grid.bounds[1], grid.bounds[3]);
    var bbox = [x[0], y[0], x[1], y[1]].map(function (edge) { return edge.toFixed(digits); }).join(",");
    return "bbox=" + encodeURIComponent(bbox) + "&zoom=" + zoom;
  }

  function withQuery(url, query) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + query;
  }

  function clusterMarker(map, feature, texts, cell) {
    var count = feature.properties.count;
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var label = (texts.textCluster || "{count}").replace("{count}", count);
    var inner = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = count;
    inner.appendChild(number);
    var holder = document.createElement("div");
    holder.appendChild(inner);
    var latlng = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
    var marker = L.marker(latlng, {
      icon: L.divIcon({ html: holder.innerHTML, className: "map-cluster marker-cluster marker-cluster-" + size, iconSize: [40, 40] }),
      title: label,
      alt: label,
      keyboard: true
    });
    // A click shows the cluster's cell, which holds all its places (or zooms in two steps).
    marker.on("click", function () {
      var half = cell / 2;
      if (half > 0) { map.fitBounds([[latlng[0] - half, latlng[1] - half], [latlng[0] + half, latlng[1] + half]]); }
      else { map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom())); }
    });
    return marker;
  }

  function notice(element) {
    var box = document.createElement("p");
    box.className = "map-notice";
    box.setAttribute("role", "status");
    box.hidden = true;
    element.parentNode.insertBefore(box, element.nextSibling);
    return box;
  }

  function drawCollection(map, layer, collection, element, icon, status) {
    var texts = element.dataset;
    var features = (collection.features || []).filter(function (feature) {
      return feature.geometry && feature.geometry.type === "Point";
    });
    var group = collection.clustered ? L.featureGroup() : pointGroup(features.length);
    features.forEach(function (feature) {
      if (feature.properties && feature.properties.cluster) {
        group.addLayer(clusterMarker(map, feature, texts, collection.cell || 0));
        return;
      }
      var properties = feature.properties || {};
      group.addLayer(placeMarker({
        lng: feature.geometry.coordinates[0],
        lat: feature.geometry.coordinates[1],
        name: properties.name,
        url: properties.url,
        thumb: properties.thumb
      }, icon));
    });
    if (layer.current) { map.removeLayer(layer.current); }
    layer.current = group.addTo(map);
    status.hidden = !collection.truncated;
    status.textContent = collection.truncated ? (texts.textTruncated || "") : "";
  }

  function showData(element) {
    var base = element.dataset.geojson, grid = JSON.parse(element.dataset.mapGrid);
    var headers = { headers: { Accept: "application/geo+json" } };
    var map = null, layer = {}, icon = markerIcon(element), status = null, latest = 0;
    var asked = null, reading = false;

    function load(url, first) {
      // The same snapped viewport is the same data; and while a place's popup is open (its
      // opening may pan the map) the markers stay, or the popup would close under the reader.
      if (url === asked || reading) { return; }
      asked = url;
      var ticket = ++latest;
      return fetch(url, headers)
        .then(function (response) { return response.ok ? response.json() : { features: [] }; })
        .then(function (collection) {
          if (ticket !== latest) { return; } // an older answer after a newer question
          if (first) {
            if (!(collection.features || []).length || !collection.bbox) { element.hidden = true; return; }
            map = localized(element, { scrollWheelZoom: false, minZoom: grid.minZoom });
            tiles(element, map);
            status = notice(element);
            var box = collection.bbox, features = collection.features;
            if (features.length === 1 && !collection.clustered) {
              var only = features[0].geometry.coordinates;
              map.setView([only[1], only[0]], 16);
            } else if (!collection.clustered) {
              map.fitBounds(features.map(function (f) { return [f.geometry.coordinates[1], f.geometry.coordinates[0]]; }), { padding: [24, 24] });
            } else {
              map.fitBounds([[box[1], box[0]], [box[3], box[2]]]);
            }
          }
          drawCollection(map, layer, collection, element, icon, status);
          // A first answer with every place in it (no clusters, nothing left out) is all there is.
          if (first && (collection.clustered || collection.truncated)) {
            var again = function () { load(withQuery(base, viewportQuery(map, grid)), false); };
            map.on("moveend", again);
            map.on("popupopen", function () { reading = true; });
            map.on("popupclose", function () { reading = false; asked = null; again(); });
            again(); // the map's own zoom may differ from the extent's: its grid, its clusters
          }
        })
        .catch(function () { if (first) { element.hidden = true; } /* offline: the list has every place */ });
    }
    load(base, true);
  }

  function draw(element) {
    if (typeof L === "undefined") { element.hidden = true; return; }
    if (element.dataset.geojson) { showData(element); return; }
    var source = document.getElementById(element.dataset.markers);
    if (source) { showMarkers(element, JSON.parse(source.textContent)); }
  }

  document.querySelectorAll("[data-markers], [data-geojson]").forEach(draw);
})();
