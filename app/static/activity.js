// The first open of an activity: waits while the server fetches the detailed recording from Strava, then shows the
// page again with its charts, splits and downloads. If Strava cannot send it, the banner says so instead.
(() => {
  var banner = document.getElementById('streams-fetching');
  if (!banner) return;
  fetch(banner.getAttribute('data-wait'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((answer) => {
      if (answer.state !== 'ready') return Promise.reject(answer.state);
      // The same address again: the server now has the recording and renders the whole page. Unless the athlete has
      // opened or moved the map meanwhile (map.js marks it): then a link, so the page does not reset under them.
      if (document.querySelector('[data-touched]')) {
        banner.querySelector('p').hidden = true;
        banner.querySelector('.streams-ready').hidden = false;
        return;
      }
      location.replace(location.href);
    })
    .catch(() => {
      banner.querySelector('p').hidden = true;
      banner.querySelector('.streams-failed').hidden = false;
      banner.classList.replace('info', 'warning');
    });
})();
