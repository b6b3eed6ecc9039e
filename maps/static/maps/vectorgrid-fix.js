/*
 * Leaflet.VectorGrid 1.3.0 with Leaflet 1.9: make a click on a canvas-drawn feature work again.
 *
 * VectorGrid's canvas tile renderer answers a click on a feature by calling L.DomEvent.fakeStop(e)
 * before firing the feature's click; Leaflet 1.8 removed that function, so the click throws
 * "L.DomEvent.fakeStop is not a function" and no popup opens (Leaflet.VectorGrid issue #274).
 * Upstream fixed it by stopping the event with L.DomEvent.stop(e) instead (pull request #288,
 * merged after 1.3.0, not released on npm).
 *
 * The vendored bundle stays byte-for-byte as npm ships it (maps/static/vendor/SHA256SUMS); this file,
 * loaded right after it, gives Leaflet the missing function with the meaning the upstream fix chose.
 * Stopping the event also keeps the map's own click (which closes popups) from firing.
 * Delete this file once a VectorGrid release newer than 1.3.0 is vendored.
 */
(function (L) {
    "use strict";
    if (!L || !L.DomEvent || typeof L.DomEvent.fakeStop === "function") {
        return;
    }
    L.DomEvent.fakeStop = function (e) {
        return L.DomEvent.stop(e);
    };
})(window.L);
