// Uploads archives in resumable chunks (straight to Cloud Storage in production, to this app on a laptop) and keeps the import's progress current.
(() => {
  var form = document.getElementById('archive-form');
  var progress = document.getElementById('archive-progress');

  function poll() {
    var box = document.getElementById('archive-progress');
    if (!box?.getAttribute('data-poll')) return;
    fetch(form ? form.getAttribute('data-progress') : '/settings/archive/progress', { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        var holder = document.createElement('div');
        holder.innerHTML = html;
        var fresh = holder.querySelector('#archive-progress');
        if (fresh) box.replaceWith(fresh);
        if (fresh?.getAttribute('data-poll')) setTimeout(poll, 1500);
      })
      .catch(() => {
        setTimeout(poll, 4000);
      });
  }
  if (progress?.getAttribute('data-poll')) setTimeout(poll, 1500);
  if (!form) return;

  var csrf = form.getAttribute('data-csrf');
  var status = document.getElementById('upload-status');
  var label = document.getElementById('upload-label');
  var bar = document.getElementById('upload-bar');

  // One PUT of bytes [start, end) with Content-Range; resolves with the bytes the server holds after it.
  function put(session, file, start, end, onProgress) {
    return new Promise((resolve, reject) => {
      var xhr = new XMLHttpRequest();
      xhr.open('PUT', session.sessionUrl);
      if (session.sameOrigin) xhr.setRequestHeader('x-csrf-token', csrf);
      xhr.setRequestHeader('content-range', start < end ? `bytes ${start}-${end - 1}/${file.size}` : `bytes */${file.size}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(start + e.loaded);
      };
      xhr.onload = () => {
        if (xhr.status === 200 || xhr.status === 201) return resolve(file.size);
        if (xhr.status === 308) {
          const range = xhr.getResponseHeader('range');
          const m = range && /bytes=0-(\d+)/.exec(range);
          // No Range header: the session holds nothing yet (the bucket's CORS rule exposes the header).
          return resolve(m ? Number(m[1]) + 1 : 0);
        }
        reject(new Error(`status ${xhr.status}`));
      };
      xhr.onerror = () => {
        reject(new Error('network'));
      };
      xhr.send(start < end ? file.slice(start, end) : null);
    });
  }

  function uploadFile(file) {
    label.textContent = form.getAttribute('data-uploading').replace('{name}', file.name);
    bar.value = 0;
    return fetch(form.getAttribute('data-start'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ fileName: file.name, size: file.size }),
    })
      .then((response) =>
        response.json().then((body) => {
          if (!response.ok) throw new Error(body.error || `status ${response.status}`);
          return body;
        }),
      )
      .then((session) => {
        var offset = 0;
        var failures = 0;
        function next() {
          if (offset >= file.size) return Promise.resolve();
          var end = Math.min(file.size, offset + session.chunkBytes);
          return put(session, file, offset, end, (sent) => {
            bar.value = Math.floor((100 * sent) / file.size);
          })
            .then((held) => {
              failures = 0;
              offset = held;
              bar.value = Math.floor((100 * offset) / file.size);
              return next();
            })
            .catch((error) => {
              // Ask where the session stands and carry on from there, a few times, waiting longer each time.
              if (++failures > 5) throw error;
              return new Promise((r) => {
                setTimeout(r, 1000 * failures * failures);
              })
                .then(() => put(session, file, offset, offset, () => {}))
                .then(
                  (held) => {
                    offset = held;
                    return next();
                  },
                  () => next(),
                );
            });
        }
        return next();
      });
  }

  // The chosen files' names under the page's own button (the browser's would speak its own language).
  var picker = document.getElementById('archive-file');
  var chosen = document.getElementById('archive-chosen');
  var noFile = chosen.textContent;
  picker.addEventListener('change', () => {
    var names = Array.prototype.map.call(picker.files || [], (file) => file.name);
    chosen.textContent = names.length ? names.join(', ') : noFile;
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    var files = Array.prototype.slice.call(picker.files || []);
    if (files.length === 0) return;
    status.hidden = false;
    var button = form.querySelector('button');
    button.disabled = true;
    var chain = Promise.resolve();
    files.forEach((file) => {
      chain = chain
        .then(() => uploadFile(file))
        .then(
          () => {
            var box = document.getElementById('archive-progress');
            if (box) box.setAttribute('data-poll', '1');
            poll();
          },
          (error) => {
            label.textContent =
              form.getAttribute('data-failed').replace('{name}', file.name) +
              (error?.message && !/^status|^network/.test(error.message) ? ` ${error.message}` : '');
            throw error;
          },
        );
    });
    chain
      .then(() => {
        bar.value = 100;
      })
      .catch(() => {})
      .then(() => {
        button.disabled = false;
        input.value = '';
      });
  });
})();
