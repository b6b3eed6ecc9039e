/* The search page (/sites), progressive enhancement only: the list, the sorting and the paging work
   without this file.
   - The count updates as filters change: the form's parameters are sent to the API with limit=1 and
     "N sites match" is written to an aria-live region (no page reload).
   - A submitted form leaves out its empty fields, so the address holds only what was chosen.
   - The map beside the list draws the listed sites (the page's JSON block) with the vendored Leaflet;
     each popup links to the site's page. */
(function () {
  "use strict";
  var PAGE_ONLY = ["lang", "limit", "offset"];

  function searchParams(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "" && PAGE_ONLY.indexOf(name) < 0) params.append(name, value);
    });
    return params;
  }

  function setUpCount(form) {
    var live = document.getElementById("live-count");
    if (!live) return;
    var timer = null;
    var asked = 0;
    function say(total, exact) {
      var n = Number(total).toLocaleString(live.dataset.lang || undefined);
      var text = !exact ? live.dataset.about : total === 1 ? live.dataset.one : live.dataset.match;
      live.textContent = text.replace("{n}", n);
    }
    function count() {
      var params = searchParams(form);
      params.set("limit", "1");
      var mine = ++asked;
      fetch("/api/v1/sites?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          if (mine !== asked) return; // a later change has asked again
          if (answer.ok) say(answer.body.total, answer.body.total_exact);
          else live.textContent = live.dataset.invalid;
        })
        .catch(function () { /* the count is a help; the form still works */ });
    }
    function soon() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(count, 250);
    }
    form.addEventListener("change", soon);
    form.addEventListener("input", soon);
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.value === "" && !el.disabled) el.disabled = true;
      });
      // Enabled again when the page is shown from the back/forward cache.
      window.addEventListener("pageshow", function () {
        Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
      }, { once: true });
    });
  }

  function setUpMap() {
    var box = document.getElementById("results-map");
    var data = document.getElementById("results-data");
    if (!box || !data || typeof L === "undefined") return;
    var sites = JSON.parse(data.textContent);
    if (!sites || !sites.features || !sites.features.length) return;
    box.hidden = false;
    var map = L.map(box, { scrollWheelZoom: false, attributionControl: false });
    var markers = [];
    function popup(p) {
      var div = document.createElement("div");
      var title = document.createElement("strong");
      title.textContent = p.name + (p.is_demo ? " (DEMO)" : "");
      div.appendChild(title);
      div.appendChild(document.createElement("br"));
      div.appendChild(document.createTextNode(
        p.kommune + " · " + p.area_daa + " daa · " + p.maturity + " · " + p.power));
      div.appendChild(document.createElement("br"));
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = box.dataset.link;
      div.appendChild(link);
      return div;
    }
    var layer = L.geoJSON(sites, {
      style: function (f) {
        return { color: "#1b1f24", weight: 1, fillColor: f.properties.colour, fillOpacity: 0.7 };
      },
      onEachFeature: function (f, shape) {
        shape.bindPopup(popup(f.properties));
        // A marker at the site's centre keeps small sites findable at the region's zoom.
        var marker = L.circleMarker(shape.getBounds().getCenter(), {
          radius: 6, color: "#1b1f24", weight: 1, fillColor: f.properties.colour, fillOpacity: 0.9,
          className: "site-marker"
        }).bindPopup(popup(f.properties));
        marker.options.siteId = f.id;
        markers.push(marker);
      }
    }).addTo(map);
    L.layerGroup(markers).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 15 });
    box.dataset.drawn = String(sites.features.length);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("search-form");
    if (form) setUpCount(form);
    setUpMap();
  });
})();
