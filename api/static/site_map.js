/* The site page's interactive map (progressive enhancement): the site's outline, its kommune's boundary
   and straight lines to the nearest nodes, with tooltips, drawn by the vendored Leaflet from the page's
   JSON data island (#site-map-data). No tiles: nothing is fetched. Without JavaScript the server-drawn
   SVG in #site-map's <noscript> shows; if Leaflet fails, this script puts it there. */
(function () {
  "use strict";

  function draw() {
    var box = document.getElementById("site-map");
    var island = document.getElementById("site-map-data");
    if (!box || !island || typeof L === "undefined") return;
    var data = JSON.parse(island.textContent);
    // The server-drawn SVG waits in a <noscript> (so a browser running this never fetches it); its markup
    // is that element's text, put back if drawing fails.
    var noscript = box.querySelector("noscript");
    var fallback = noscript ? noscript.textContent : "";
    box.innerHTML = "";
    box.classList.add("site-map-live");
    try {
      var map = L.map(box, { scrollWheelZoom: false, attributionControl: true });
      map.attributionControl.setPrefix(false);
      // The view first (a vector layer added to a map without one cannot be drawn), then the layers.
      var site = L.geoJSON(data.site, {
        style: { className: "site-map-site", color: "#7a2606", weight: 2, fillColor: "#d9480f", fillOpacity: 0.55 }
      });
      var bounds = L.latLngBounds(site.getBounds().getSouthWest(), site.getBounds().getNorthEast());
      data.nodes.forEach(function (node) { bounds.extend(L.latLng(node.lat, node.lon)); });
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
      if (data.kommune) {
        L.geoJSON(data.kommune, {
          interactive: false,
          style: { className: "site-map-kommune", color: "#9aa0a6", weight: 1.5, dashArray: "6 3", fill: false }
        }).addTo(map);
      }
      var centre = site.getBounds().getCenter();
      data.nodes.forEach(function (node) {
        var at = L.latLng(node.lat, node.lon);
        var colour = node.role === "substation" ? "#6b3fa0" : "#1c4f8a";
        var text = node.kind + ": " + node.name + ", " + node.km + " km";
        L.polyline([centre, at], {
          className: "site-map-link",
          color: colour,
          weight: 2,
          dashArray: node.role === "substation" ? "5 3" : null
        }).bindTooltip(text, { sticky: true }).addTo(map);
        L.circleMarker(at, { className: "site-map-node", radius: 6, color: colour, weight: 2, fillColor: "#fff", fillOpacity: 1 })
          .bindTooltip(text)
          .addTo(map);
      });
      site.bindTooltip(data.name, { sticky: true }).addTo(map);
      // A site far smaller than its view (an airport 40 km away) gets a ring, so it is seen.
      L.circleMarker(centre, { className: "site-map-ring", radius: 11, color: "#7a2606", weight: 2.5, fill: false, interactive: false })
        .addTo(map);
      box.setAttribute("data-drawn", "true");
    } catch (err) {
      box.innerHTML = fallback;
      box.classList.remove("site-map-live");
      throw err;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
