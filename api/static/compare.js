/* The shortlist of sites to compare, kept in this browser (localStorage "naering.compare", at most 4 ids).
 *
 * Wires every <button type="button" class="compare-add" data-site-id="…" hidden> on the page (a site's
 * page, the search page's list, the compare page's columns): shows it, and toggles the site in the
 * shortlist (aria-pressed tells its state). The bar (#shortlist, from _shortlist.html) shows the count, a
 * link to /compare?ids=… and "clear". Progressive enhancement: without this script the buttons and the
 * bar stay hidden, and /compare works from its URL alone. */
(function () {
  "use strict";

  var KEY = "naering.compare";

  function storage() {
    try {
      var probe = "__naering_probe__";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null; // private mode or blocked storage: leave the buttons hidden
    }
  }

  function init() {
    var store = storage();
    var bar = document.getElementById("shortlist");
    if (!store || !bar) {
      return;
    }
    var max = parseInt(bar.getAttribute("data-max"), 10) || 4;
    var text = function (name) {
      return bar.getAttribute("data-text-" + name) || "";
    };
    var lang = bar.getAttribute("data-lang") || "no";

    function read() {
      var ids = [];
      try {
        var raw = JSON.parse(store.getItem(KEY) || "[]");
        if (Array.isArray(raw)) {
          raw.forEach(function (v) {
            var n = parseInt(v, 10);
            if (n > 0 && ids.indexOf(n) < 0 && ids.length < max) {
              ids.push(n);
            }
          });
        }
      } catch (e) {
        ids = [];
      }
      return ids;
    }

    function write(ids) {
      store.setItem(KEY, JSON.stringify(ids.slice(0, max)));
      render();
    }

    function render() {
      var ids = read();
      var buttons = document.querySelectorAll("button.compare-add[data-site-id]");
      Array.prototype.forEach.call(buttons, function (button) {
        var id = parseInt(button.getAttribute("data-site-id"), 10);
        var chosen = ids.indexOf(id) >= 0;
        button.hidden = !(id > 0);
        button.setAttribute("aria-pressed", chosen ? "true" : "false");
        button.disabled = !chosen && ids.length >= max;
        button.textContent = chosen ? text("remove") : ids.length >= max ? text("full") : text("add");
      });
      var count = bar.querySelector(".shortlist-count");
      if (count) {
        count.textContent = ids.length === 1 ? text("one") : text("many").replace("{n}", String(ids.length));
      }
      var go = bar.querySelector(".shortlist-go");
      if (go) {
        go.setAttribute("href", "/compare?ids=" + ids.join(",") + "&lang=" + encodeURIComponent(lang));
      }
      bar.hidden = ids.length === 0;
    }

    document.addEventListener("click", function (event) {
      var target = event.target;
      var button = target && target.closest ? target.closest("button.compare-add[data-site-id]") : null;
      if (button) {
        var id = parseInt(button.getAttribute("data-site-id"), 10);
        var ids = read();
        var at = ids.indexOf(id);
        if (at >= 0) {
          ids.splice(at, 1);
        } else if (id > 0 && ids.length < max) {
          ids.push(id);
        }
        write(ids);
        return;
      }
      if (target && target.closest && target.closest("#shortlist .shortlist-clear")) {
        write([]);
      }
    });
    // Another tab changed the shortlist: show it here too.
    window.addEventListener("storage", function (event) {
      if (event.key === KEY) {
        render();
      }
    });
    // Buttons a page adds later (a search list redrawn as filters change) are wired as they appear.
    if (window.MutationObserver) {
      var pending = false;
      new MutationObserver(function (changes) {
        var added = changes.some(function (change) {
          return Array.prototype.some.call(change.addedNodes, function (node) {
            return node.nodeType === 1 && (node.matches("button.compare-add") || node.querySelector("button.compare-add"));
          });
        });
        if (added && !pending) {
          pending = true;
          window.requestAnimationFrame(function () {
            pending = false;
            render();
          });
        }
      }).observe(document.body, { childList: true, subtree: true });
    }
    window.naeringCompare = { refresh: render, read: read };
    render();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
