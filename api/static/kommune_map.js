/* The kommune page's map: the kommune's own sites strong, the neighbouring kommuner's sites faded, the
 * kommune's boundary and its neighbours'. Reads the page's JSON data island (#kommune-map-data) and draws
 * with the vendored Leaflet (SVG renderer: every site is one <path>). No tiles: nothing is fetched.
 * Progressive enhancement: without JavaScript the page's list holds the same sites. */
(function () {
  "use strict";

  var T = {
    no: { area: "Areal", maturity: "Planmodenhet", open: "Åpne området", neighbour: "Nabokommune" },
    en: { area: "Area", maturity: "Plan maturity", open: "Open the site", neighbour: "Neighbouring kommune" },
  };

  function popup(p, legend, texts, isNeighbour) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.name;
    var title = document.createElement("strong");
    title.appendChild(link);
    box.appendChild(title);
    if (p.is_demo) {
      var demo = document.createElement("span");
      demo.className = "demo-badge";
      demo.textContent = " DEMO";
      box.appendChild(demo);
    }
    var lines = [
      (isNeighbour ? texts.neighbour + ": " : "") + p.kommune_name,
      texts.area + ": " + p.area_daa + " daa",
      texts.maturity + ": " + (p.maturity ? p.maturity + " " + ((legend[p.maturity] || {}).label || "") : "—"),
    ];
    lines.forEach(function (text) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(text));
    });
    return box;
  }

  function colourOf(legend, code) {
    return (legend[code] || {}).colour || "#555555";
  }

  // A layer of sites: each outline, and a dot at its centre so a small site is seen (and can be clicked)
  // at the zoom a whole kommune is seen at. Outlines get `className`, dots `className + "-dot"`.
  function siteLayer(collection, legend, texts, style, className, isNeighbour) {
    var dots = [];
    var outlines = L.geoJSON(collection, {
      style: function (feature) {
        var colour = colourOf(legend, feature.properties.maturity);
        return Object.assign({ color: colour, fillColor: colour, className: className }, style);
      },
      onEachFeature: function (feature, layer) {
        var content = function () {
          return popup(feature.properties, legend, texts, isNeighbour);
        };
        layer.bindPopup(content);
        var colour = colourOf(legend, feature.properties.maturity);
        var dot = L.circleMarker(layer.getBounds().getCenter(), {
          radius: isNeighbour ? 4 : 6,
          color: isNeighbour ? "#4a5560" : "#1b1f24",
          weight: 1,
          opacity: isNeighbour ? 0.6 : 1,
          fillColor: colour,
          fillOpacity: isNeighbour ? 0.35 : 0.9,
          className: className + "-dot",
        });
        dot.bindPopup(content);
        dots.push(dot);
      },
    });
    return L.featureGroup([outlines, L.featureGroup(dots)]);
  }

  // The neighbours' faded layer, made in one place (a later change may draw it from vector tiles).
  function neighbourLayer(data, texts) {
    return siteLayer(
      data.neighbours,
      data.maturity,
      texts,
      { weight: 1, opacity: 0.45, fillOpacity: 0.2 },
      "site-neighbour",
      true
    );
  }

  function draw() {
    var holder = document.getElementById("kommune-map");
    var island = document.getElementById("kommune-map-data");
    if (!holder || !island || typeof L === "undefined") {
      return;
    }
    var data = JSON.parse(island.textContent);
    var texts = T[holder.getAttribute("data-lang")] || T.no;
    holder.textContent = "";
    holder.classList.add("is-drawn");
    var map = L.map(holder, { preferCanvas: false, scrollWheelZoom: false });
    var boundaries = L.geoJSON(data.boundaries, {
      style: function (feature) {
        return feature.properties.own
          ? { color: "#1a1a1a", weight: 2.5, fill: false, className: "kommune-own" }
          : { color: "#777777", weight: 1, dashArray: "4 4", fill: false, className: "kommune-neighbour" };
      },
      interactive: false,
    }).addTo(map);
    var neighbours = neighbourLayer(data, texts).addTo(map);
    var own = siteLayer(
      data.own,
      data.maturity,
      texts,
      { weight: 2, opacity: 1, fillOpacity: 0.75 },
      "site-own",
      false
    ).addTo(map);
    var ownBoundary = null;
    boundaries.eachLayer(function (layer) {
      if (layer.feature.properties.own) {
        ownBoundary = layer;
      }
    });
    var bounds = ownBoundary ? ownBoundary.getBounds() : own.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [10, 10] });
    } else {
      map.setView([59.91, 10.75], 9);
    }
    L.control.scale({ imperial: false }).addTo(map);
    window.naeringKommuneMap = { map: map, own: own, neighbours: neighbours, boundaries: boundaries };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
