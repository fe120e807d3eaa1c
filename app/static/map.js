// Turns the drawn route (activity page) or the athlete's routes (heatmap page) into a tiled map with Leaflet.
// Without JavaScript, without tiles, or when the tile server cannot be reached, the vector drawing stays.
(() => {
  var box = document.getElementById('live-map');
  if (!box) return;

  // The library (150 KB) loads only when the map is about to be seen: a route below the fold costs a phone nothing
  // until the athlete scrolls to it.
  function withLeaflet(then) {
    if (typeof L !== 'undefined') return then();
    var css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = box.getAttribute('data-leaflet-css');
    document.head.appendChild(css);
    var script = document.createElement('script');
    script.src = box.getAttribute('data-leaflet');
    script.onload = then;
    document.head.appendChild(script);
  }
  function whenNear(then) {
    // The heatmap is the whole page: no waiting there.
    if (box.getAttribute('data-source') || !('IntersectionObserver' in window)) return then();
    var target = box.parentElement || box;
    var observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        observer.disconnect();
        then();
      },
      { rootMargin: '200px' },
    );
    observer.observe(target);
  }
  // On a phone the drawn route is the map until the athlete asks for tiles: a tile map there costs a data plan and a
  // slow processor seconds before the page settles, and it would take over the one-finger drags that scroll the page.
  // A wide screen with a mouse gets the tiles as soon as the route comes near the screen.
  // A map the athlete has opened or moved is theirs: the first-open script (activity.js) then offers the detailed
  // recording as a link instead of reloading the page under their fingers.
  for (const type of ['pointerdown', 'wheel', 'keydown']) box.addEventListener(type, () => box.setAttribute('data-touched', ''), { once: true, passive: true });
  var ask = document.getElementById('map-show');
  var wideWithMouse = window.matchMedia?.('(min-width: 720px) and (pointer: fine)').matches;
  if (ask && !wideWithMouse) {
    ask.hidden = false;
    ask.addEventListener(
      'click',
      () => {
        ask.disabled = true;
        ask.setAttribute('aria-busy', 'true');
        box.setAttribute('data-touched', '');
        withLeaflet(() => {
          ask.hidden = true;
          start();
        });
      },
      { once: true },
    );
  } else {
    whenNear(() => {
      withLeaflet(start);
    });
  }

  function start() {
    var words = JSON.parse(box.getAttribute('data-words') || '{}');
    var note = document.getElementById('map-note');
    var fallback = document.getElementById('route-map');

    function attributionHtml() {
      var text = box.getAttribute('data-attribution') || '';
      var url = box.getAttribute('data-attribution-url');
      var span = document.createElement('span');
      if (url) {
        const a = document.createElement('a');
        a.href = url;
        a.rel = 'noopener';
        a.textContent = text;
        span.appendChild(a);
      } else {
        span.textContent = text;
      }
      return span.innerHTML;
    }

    function tileLayer(map) {
      var template = box.getAttribute('data-tiles');
      if (!template) return;
      var loaded = 0;
      var failed = 0;
      var layer = L.tileLayer(template, {
        maxZoom: 19,
        // OpenStreetMap's tile policy asks for a Referer; this site sends its origin and nothing more.
        referrerPolicy: 'strict-origin-when-cross-origin',
        attribution: attributionHtml(),
      });
      layer.on('tileload', () => {
        loaded += 1;
      });
      layer.on('tileerror', () => {
        failed += 1;
        // Not one tile came: the tile server is down or blocked. Back to the vector drawing, with a word why.
        if (loaded === 0 && failed >= 2 && box.getAttribute('data-state') !== 'failed') {
          if (fallback) {
            map.remove();
            box.hidden = true;
            fallback.style.display = '';
          } else {
            map.removeLayer(layer);
          }
          if (note) {
            note.textContent = words.tilesFailed || '';
            note.hidden = false;
          }
          box.setAttribute('data-state', 'failed');
        }
      });
      layer.addTo(map);
    }

    function createMap() {
      box.hidden = false;
      if (fallback) fallback.style.display = 'none';
      var map = L.map(box, { preferCanvas: true, scrollWheelZoom: false, attributionControl: false, zoomControl: false });
      L.control.zoom({ zoomInTitle: words.zoomIn || '+', zoomOutTitle: words.zoomOut || '-' }).addTo(map);
      L.control.attribution({ prefix: false }).addTo(map);
      var imperial = box.getAttribute('data-imperial') === '1';
      // Leaflet writes its scale in English units ("2 km"); the page's language has its own words for them.
      var units = words.units || {};
      var Scale = L.Control.Scale.extend({
        _updateScale: function (scale, text, ratio) {
          scale.style.width = `${Math.round(this.options.maxWidth * ratio)}px`;
          scale.textContent = text.replace(/ (km|m|mi|ft)$/, (_, unit) => ` ${units[unit] || unit}`);
        },
      });
      new Scale({ metric: !imperial, imperial: imperial }).addTo(map);
      tileLayer(map);
      box.setAttribute('data-state', 'ready');
      return map;
    }

    var route = box.getAttribute('data-route');
    if (route) {
      // Activity page: the route as it survives the privacy zones, with start and finish.
      const segments = JSON.parse(route);
      if (!segments.length) return;
      const map = createMap();
      const line = L.polyline(segments, { color: '#fc4c02', weight: 4, opacity: 0.9 }).addTo(map);
      const first = segments[0][0];
      const lastSegment = segments[segments.length - 1];
      const last = lastSegment[lastSegment.length - 1];
      L.circleMarker(first, { radius: 7, color: '#fff', weight: 2, fillColor: '#1b7f3b', fillOpacity: 1 })
        .bindTooltip(words.start || '')
        .addTo(map);
      L.circleMarker(last, { radius: 7, color: '#fff', weight: 2, fillColor: '#b3261e', fillOpacity: 1 })
        .bindTooltip(words.finish || '')
        .addTo(map);
      map.fitBounds(line.getBounds(), { padding: [16, 16] });
      return;
    }

    var source = box.getAttribute('data-source');
    if (source) {
      // Heatmap: every route in one request, drawn on one canvas; overlapping routes add up to brighter lines.
      // The decoder is the server's own module (/static/polyline.js), fetched alongside the routes.
      Promise.all([
        fetch(source, { credentials: 'same-origin' }).then((response) => (response.ok ? response.json() : Promise.reject(response.status))),
        import('/static/polyline.js'),
      ])
        .then(([data, polyline]) => {
          var count = document.getElementById('heatmap-count');
          if (count && data.label) count.textContent = data.label;
          if (!data.routes.length) return;
          var map = createMap();
          var renderer = L.canvas({ padding: 0.2 });
          var bounds = null;
          var lines = [];
          data.routes.forEach((encoded) => {
            var points = polyline.decodePolyline(encoded);
            if (points.length < 2) return;
            var line = L.polyline(points, { renderer: renderer, color: '#e8380d', weight: 2, opacity: 0.35, interactive: false }).addTo(map);
            lines.push(line);
            bounds = bounds ? bounds.extend(line.getBounds()) : L.latLngBounds(line.getBounds().getSouthWest(), line.getBounds().getNorthEast());
          });
          // A trip far away should not shrink home to a dot: fit the routes that start near the middle (by median) of all.
          var starts = lines.map((line) => line.getLatLngs()[0]);
          var median = (values) => {
            values.sort((a, b) => a - b);
            return values[Math.floor(values.length / 2)];
          };
          var centre = L.latLng(median(starts.map((p) => p.lat)), median(starts.map((p) => p.lng)));
          var home = null;
          lines.forEach((line, i) => {
            if (centre.distanceTo(starts[i]) > 60000) return;
            home = home ? home.extend(line.getBounds()) : L.latLngBounds(line.getBounds().getSouthWest(), line.getBounds().getNorthEast());
          });
          if (home || bounds) map.fitBounds(home || bounds, { padding: [12, 12] });
        })
        .catch(() => {
          if (note) {
            note.textContent = words.failed || '';
            note.hidden = false;
          }
        });
    }
  }
})();
