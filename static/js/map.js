// Maps: progressive enhancement only. Without this file (or without tiles) every page still
// works: the problems a map shows are listed beside it, and the problem forms take latitude and
// longitude typed. Leaflet and leaflet.markercluster are served from static/vendor/.
// - [data-map="points"]: markers read from the list named by data-map-list (items carry
//   data-lat, data-lon, data-title, data-status, data-votes, data-url, data-thumbnail);
//   clustered when data-map-cluster is set; each marker opens the title, status, votes and a link.
// - [data-map="picker"]: click or drag the marker to fill the form's latitude and longitude
//   fields ([data-map-latitude], [data-map-longitude]); "Use my location" asks the browser.
(function () {
  "use strict";

  if (!window.L) return;
  var DECIMALS = 6;

  function parseBounds(element) {
    var raw = element.getAttribute("data-bounds");
    if (!raw) return null;
    var n = raw.split(",").map(Number);
    if (n.length !== 4 || n.some(isNaN)) return null;
    return L.latLngBounds([n[1], n[0]], [n[3], n[2]]);
  }

  // The words of a map's data-say-* attributes, in the reader's language (places/_map.html;
  // %(name)s is replaced here). The English is only a fallback.
  function words(element, name, fallback, values) {
    var value = element.getAttribute("data-say-" + name) || fallback;
    Object.keys(values || {}).forEach(function (key) {
      value = value.split("%(" + key + ")s").join(String(values[key]));
    });
    return value;
  }

  function baseMap(element) {
    element.hidden = false;
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    // Leaflet's own buttons are titled in English: give them the page's words.
    L.control
      .zoom({
        zoomInTitle: words(element, "zoom-in", "Zoom in"),
        zoomOutTitle: words(element, "zoom-out", "Zoom out"),
      })
      .addTo(map);
    // The "Leaflet" credit's link is titled in English too: the same link with the page's title.
    var prefix = document.createElement("template");
    prefix.innerHTML = map.attributionControl.options.prefix || "";
    var credit = prefix.content.querySelector("a[title]");
    if (credit) {
      credit.title = words(element, "leaflet", credit.title);
      map.attributionControl.setPrefix(prefix.innerHTML);
    }
    map.on("popupopen", function (event) {
      var close = event.popup.getElement() && event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", words(element, "close-popup", "Close popup"));
    });
    L.tileLayer(element.getAttribute("data-tile-url"), {
      attribution: element.getAttribute("data-attribution") || "",
      maxZoom: 19,
    }).addTo(map);
    return map;
  }

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = value;
    return node;
  }

  // A popup built from text nodes only: titles are user input.
  function popupFor(item) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var thumbnail = item.getAttribute("data-thumbnail");
    if (thumbnail) {
      var img = document.createElement("img");
      img.src = thumbnail;
      img.alt = "";
      img.width = 64;
      img.height = 64;
      box.appendChild(img);
    }
    var link = text("a", "map-popup-title", item.getAttribute("data-title"));
    link.href = item.getAttribute("data-url");
    box.appendChild(link);
    // data-votes is written in the reader's language ("3 votes", "3 apoyos").
    box.appendChild(text("p", "map-popup-meta", item.getAttribute("data-status") + " · " + item.getAttribute("data-votes")));
    return box;
  }

  function pointsMap(element) {
    var list = document.getElementById(element.getAttribute("data-map-list"));
    if (!list) return;
    var items = list.querySelectorAll("[data-lat][data-lon]");
    var map = baseMap(element);
    var layer = element.hasAttribute("data-map-cluster") && L.markerClusterGroup ? L.markerClusterGroup() : L.featureGroup();
    Array.prototype.forEach.call(items, function (item) {
      var lat = Number(item.getAttribute("data-lat"));
      var lon = Number(item.getAttribute("data-lon"));
      if (isNaN(lat) || isNaN(lon)) return;
      var marker = L.marker([lat, lon], { title: item.getAttribute("data-title") || "", alt: item.getAttribute("data-title") || "" });
      if (item.hasAttribute("data-url")) marker.bindPopup(popupFor(item));
      layer.addLayer(marker);
    });
    layer.addTo(map);
    var bounds = items.length ? layer.getBounds() : parseBounds(element);
    if (items.length === 1) map.setView(bounds.getCenter(), 16);
    else if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
    else map.setView([0, 0], 1);
  }

  function pickerMap(element) {
    var form = element.closest("form");
    if (!form) return;
    var latInput = form.querySelector("[data-map-latitude]");
    var lonInput = form.querySelector("[data-map-longitude]");
    if (!latInput || !lonInput) return;
    var status = form.querySelector("[data-location-status]");
    Array.prototype.forEach.call(form.querySelectorAll("[data-map-only]"), function (node) {
      node.hidden = false;
    });
    var map = baseMap(element);
    var marker = null;

    function say(message) {
      if (status) status.textContent = message;
    }

    function current() {
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      return isNaN(lat) || isNaN(lon) ? null : L.latLng(lat, lon);
    }

    function place(latlng, fill) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, autoPan: true, alt: words(element, "marker", "The problem's location") }).addTo(map);
        marker.on("dragend", function () {
          place(marker.getLatLng(), true);
        });
      } else {
        marker.setLatLng(latlng);
      }
      if (fill) {
        latInput.value = latlng.lat.toFixed(DECIMALS);
        lonInput.value = latlng.lng.toFixed(DECIMALS);
        say(words(element, "set", "Location set: %(lat)s, %(lon)s.", { lat: latInput.value, lon: lonInput.value }));
      }
    }

    map.on("click", function (event) {
      place(event.latlng, true);
    });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = current();
        if (point) {
          place(point, false);
          map.panTo(point);
        }
      });
    });

    var start = current();
    var bounds = parseBounds(element);
    if (start) {
      place(start, false);
      map.setView(start, 16);
    } else if (bounds) {
      map.fitBounds(bounds);
    } else {
      map.setView([0, 0], 1);
    }

    var useLocation = form.querySelector("[data-use-location]");
    if (useLocation) {
      if (!navigator.geolocation) useLocation.hidden = true;
      useLocation.addEventListener("click", function () {
        say(words(element, "finding", "Finding your location…"));
        navigator.geolocation.getCurrentPosition(
          function (position) {
            var point = L.latLng(position.coords.latitude, position.coords.longitude);
            place(point, true);
            map.setView(point, 17);
          },
          function () {
            say(words(element, "unavailable", "Your location is not available. Click the map or type the coordinates instead."));
          },
          { enableHighAccuracy: true, timeout: 15000 }
        );
      });
    }
    var clear = form.querySelector("[data-clear-location]");
    if (clear) {
      clear.addEventListener("click", function () {
        latInput.value = "";
        lonInput.value = "";
        if (marker) {
          map.removeLayer(marker);
          marker = null;
        }
        say(words(element, "cleared", "Location cleared."));
      });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), function (element) {
      try {
        if (element.getAttribute("data-map") === "picker") pickerMap(element);
        else pointsMap(element);
      } catch (error) {
        // A map that fails leaves the list and the fields, which are the page without it.
        element.hidden = true;
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
