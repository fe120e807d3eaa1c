// Swaps in the AI notes once they are written; without JavaScript the page offers a Refresh link instead.
(() => {
  var box = document.getElementById('ai-notes');
  if (!box?.getAttribute('data-poll')) return;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(box.getAttribute('data-poll'), { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        var holder = document.createElement('div');
        holder.innerHTML = html;
        var fresh = holder.querySelector('#ai-notes');
        if (!fresh) return;
        box.replaceWith(fresh);
        box = fresh;
        if (fresh.getAttribute('data-poll') && tries < 20) setTimeout(poll, 1500);
      })
      .catch(() => {
        if (tries < 20) setTimeout(poll, 3000);
      });
  }
  setTimeout(poll, 1000);
})();
