/* Lyceum: progressive enhancement. Every page works without this file; with it, the
   video player reports what was watched, the transcript follows and seeks the video,
   times show in the browser's time zone, and a few forms submit themselves. */
(function () {
  'use strict';
  var doc = document, root = doc.documentElement;

  function each(sel, fn, scope) { Array.prototype.forEach.call((scope || doc).querySelectorAll(sel), fn); }

  // Remember the browser's time zone so the server can show times in it next time.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && doc.cookie.indexOf('tz=' + encodeURIComponent(tz)) === -1) {
      doc.cookie = 'tz=' + encodeURIComponent(tz) + ';path=/;max-age=31536000;samesite=lax';
    }
    // The server did not know the zone yet: show times in the browser's own.
    if (root.hasAttribute('data-tz-fallback')) {
      // In the page's digits, so re-rendered times match the numbers around them.
      var nu = root.getAttribute('data-nu') || undefined;
      var dateOnly = new Intl.DateTimeFormat(root.lang, { dateStyle: 'long', numberingSystem: nu });
      var withTime = new Intl.DateTimeFormat(root.lang, { dateStyle: 'long', timeStyle: 'short', numberingSystem: nu });
      each('time[data-local]', function (t) {
        var d = new Date(t.getAttribute('datetime'));
        var fmt = t.getAttribute('data-local') === 'datetime' ? withTime : dateOnly;
        if (!isNaN(d)) { t.textContent = fmt.format(d); }
      });
    }
  } catch (e) { /* old browser: server-rendered UTC times stay */ }

  // The open course tab starts in view, for browsers without CSS scroll-initial-target.
  each('.course-tabs [aria-current="page"]', function (a) {
    var bar = a.closest('.course-tabs');
    if (!bar || bar.scrollWidth <= bar.clientWidth) { return; }
    var b = bar.getBoundingClientRect(), r = a.getBoundingClientRect();
    if (r.left < b.left || r.right > b.right) {
      bar.scrollLeft += (r.left - b.left) - (b.width - r.width) / 2;
    }
  });

  each('select[data-autosubmit]', function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
    each('.js-hide', function (b) { b.hidden = true; }, s.form);
  });

  each('[data-outline-toggle]', function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      var open = b.getAttribute('data-outline-toggle') === 'open';
      each('.outline details', function (d) { d.open = open; });
    });
  });

  // A unit page reports that it was shown (the GET itself never writes): its reading
  // completes and "Resume" leads here. Again when it comes back from the back/forward
  // cache; not while it is only prerendered.
  each('[data-seen-url]', function (el) {
    var url = el.getAttribute('data-seen-url');
    function seen() {
      if (!window.fetch) {
        if (navigator.sendBeacon) { navigator.sendBeacon(url); }
        return;
      }
      fetch(url, { method: 'POST', credentials: 'same-origin', keepalive: true })
        .then(function (r) {
          if (!r.ok) { return; }
          each('[data-seen-show]', function (s) { s.hidden = false; });
          each('[data-seen-hide]', function (f) { f.hidden = true; });
        })
        .catch(function () { /* offline: "Mark as done" is still there */ });
    }
    if (doc.prerendering) {
      doc.addEventListener('prerenderingchange', seen, { once: true });
    } else {
      seen();
    }
    window.addEventListener('pageshow', function (e) { if (e.persisted) { seen(); } });
  });

  each('figure.video[data-progress-url]', setUpVideo);

  function setUpVideo(fig) {
    var video = fig.querySelector('video');
    if (!video) { return; }
    var url = fig.getAttribute('data-progress-url');
    var pending = [], seg = null, last = -1, timer = null;

    var speed = fig.querySelector('.video__speed');
    if (speed) {
      speed.hidden = false;
      speed.querySelector('select').addEventListener('change', function (e) {
        video.playbackRate = parseFloat(e.target.value) || 1;
      });
    }

    // A clip (#t=start,end on the source): progress and position count within it.
    var clipStart = parseFloat(fig.getAttribute('data-clip-start') || '0');
    var clipEnd = parseFloat(fig.getAttribute('data-clip-end') || '0');
    function length() { return (clipEnd > 0 ? Math.min(clipEnd, video.duration) : video.duration) - clipStart; }

    var resume = parseFloat(fig.getAttribute('data-position') || '0');
    video.addEventListener('loadedmetadata', function () {
      if (resume > 5 && resume < length() - 5) { video.currentTime = clipStart + resume; }
    });

    video.addEventListener('timeupdate', function () {
      var t = video.currentTime;
      if (!video.paused && seg && t >= last && t - last < 2) {
        seg[1] = t;
      } else {
        closeSegment();
        if (!video.paused) { seg = [t, t]; }
      }
      last = t;
      highlight(t);
    });
    video.addEventListener('pause', function () { closeSegment(); send(); });
    video.addEventListener('ended', function () { closeSegment(); send(); });
    video.addEventListener('play', function () {
      if (!timer) { timer = setInterval(function () { closeSegment(); seg = video.paused ? null : [video.currentTime, video.currentTime]; send(); }, 15000); }
    });
    doc.addEventListener('visibilitychange', function () {
      if (doc.visibilityState === 'hidden') { closeSegment(); send(true); }
    });

    function closeSegment() {
      if (seg && seg[1] - seg[0] > 0.2) { pending.push([Math.max(0, seg[0] - clipStart), Math.max(0, seg[1] - clipStart)]); }
      seg = null;
    }

    function send(leaving) {
      if (!pending.length || !isFinite(video.duration) || length() <= 0) { return; }
      var body = JSON.stringify({ ranges: pending, duration: length(), position: Math.max(0, video.currentTime - clipStart) });
      pending = [];
      fetch(url, { method: 'POST', credentials: 'same-origin', keepalive: !!leaving, headers: { 'Content-Type': 'application/json' }, body: body })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (j && j.complete) {
            var s = fig.querySelector('.video__watched');
            if (s) { s.hidden = false; }
          }
        })
        .catch(function () { /* offline: the next report carries on */ });
    }

    // Interactive transcript: click a line to jump there; the current line is marked.
    var lists = fig.querySelectorAll('.transcript ol');
    // The transcript follows the subtitles chosen in the player: that language's opens.
    var transcripts = fig.querySelectorAll('details.transcript');
    if (video.textTracks && transcripts.length > 1) {
      video.textTracks.addEventListener('change', function () {
        var lang = null;
        Array.prototype.forEach.call(video.textTracks, function (t) {
          if (t.mode === 'showing') { lang = t.language; }
        });
        if (lang === null) { return; }
        Array.prototype.forEach.call(transcripts, function (d) {
          var ol = d.querySelector('ol');
          d.open = !!ol && ol.getAttribute('lang') === lang;
        });
      });
    }
    each('.cue', function (b) {
      b.addEventListener('click', function () {
        video.currentTime = parseInt(b.getAttribute('data-start'), 10) / 1000;
        video.play();
      });
    }, fig);

    function highlight(t) {
      var ms = t * 1000;
      Array.prototype.forEach.call(lists, function (ol) {
        var details = ol.closest('details');
        if (details && !details.open) { return; }
        each('.cue', function (b) {
          var on = ms >= +b.getAttribute('data-start') && ms < +b.getAttribute('data-end');
          if (on && b.getAttribute('aria-current') !== 'true') {
            b.setAttribute('aria-current', 'true');
            var box = ol.getBoundingClientRect(), r = b.getBoundingClientRect();
            if (r.top < box.top || r.bottom > box.bottom) { ol.scrollTop += r.top - box.top - 8; }
          } else if (!on && b.hasAttribute('aria-current')) {
            b.removeAttribute('aria-current');
          }
        }, ol);
      });
    }
  }

  // Studio's outline: Alt+ArrowUp / Alt+ArrowDown on a row (or anything in it) moves the
  // row among its siblings with the row's own Move up / Move down form, sent in the
  // background; the row moves in place and keeps the focus. Without script (or if the
  // request fails) the buttons post their forms as usual.
  each('.studio-outline', function (outline) {
    each('[data-studio-keys]', function (p) { p.hidden = false; });
    var live = doc.querySelector('[data-studio-live]');
    function ownButton(row, dir) {
      var line = row.querySelector('.studio-row__line');
      return line && line.querySelector('[data-studio-move="' + dir + '"]');
    }
    function refresh(list) {
      var rows = Array.prototype.filter.call(list.children, function (c) { return c.hasAttribute('data-studio-row'); });
      rows.forEach(function (r, i) {
        var up = ownButton(r, 'up'), down = ownButton(r, 'down');
        if (up) { up.disabled = i === 0; }
        if (down) { down.disabled = i === rows.length - 1; }
      });
    }
    outline.addEventListener('keydown', function (e) {
      if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) { return; }
      var focused = doc.activeElement;
      var row = focused && focused.closest('[data-studio-row]');
      if (!row) { return; }
      var dir = e.key === 'ArrowUp' ? 'up' : 'down';
      var button = ownButton(row, dir);
      e.preventDefault();
      if (!button || button.disabled) { return; }
      var form = button.form;
      button.disabled = true;
      fetch(form.action, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)).toString()
      }).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        var list = row.parentNode;
        if (dir === 'up' && row.previousElementSibling) {
          list.insertBefore(row, row.previousElementSibling);
        } else if (dir === 'down' && row.nextElementSibling) {
          list.insertBefore(row.nextElementSibling, row);
        }
        refresh(list);
        // A button that became disabled (the row is now first or last) cannot keep the
        // focus: the row takes it.
        if (focused.disabled) { row.focus(); } else { focused.focus(); }
        if (live) { live.textContent = ''; live.textContent = live.getAttribute('data-moved'); }
      }).catch(function () { button.disabled = false; form.submit(); });
    });
  });
})();

/* Course settings: "Preview" renders the About page's Markdown in place (the button still
   posts the whole form, which re-renders with the preview, when script is off). */
(function () {
  'use strict';
  if (!window.fetch || !window.FormData) { return; }
  Array.prototype.forEach.call(document.querySelectorAll('[data-preview-url]'), function (b) {
    b.addEventListener('click', function (ev) {
      var source = document.getElementById(b.getAttribute('data-preview-source'));
      var target = document.getElementById(b.getAttribute('data-preview-target'));
      var body = target && target.querySelector('[data-preview-body]');
      if (!source || !body) { return; }
      ev.preventDefault();
      var data = new URLSearchParams();
      data.set('markdown', source.value);
      fetch(b.getAttribute('data-preview-url'), { method: 'POST', body: data, credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) { body.innerHTML = html; target.hidden = false; })
        .catch(function () { b.form.requestSubmit ? b.form.requestSubmit(b) : b.form.submit(); });
    });
  });
})();

/* Studio block editor: the preview follows a text as it is typed, the problem type
   applies as soon as it is chosen, and long texts are saved every 30 seconds while
   they change (a save that someone else's got ahead of stops, and the ordinary save
   then shows both versions). Without script, the editor's buttons do all of this. */
(function () {
  'use strict';
  var doc = document;
  var form = doc.querySelector('form.editor-form');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) { return; }
  function fields(drop) {
    var data = new URLSearchParams(new FormData(form));
    if (drop) { data.delete(drop); }
    return data;
  }
  function plain(html) {
    var d = doc.createElement('div');
    d.innerHTML = html;
    return d.textContent;
  }
  var stopped = false;
  form.addEventListener('submit', function () { stopped = true; });

  var ptype = form.querySelector('select[name=ptype]');
  var retype = form.querySelector('button[value=retype]');
  if (ptype && retype) {
    ptype.addEventListener('change', function () { retype.click(); });
  }

  var preview = doc.querySelector('.editor-preview__body');
  var live = form.querySelector('[data-live-preview]');
  var previewUrl = form.getAttribute('data-preview-url');
  if (live && preview && previewUrl) {
    var timer;
    var refresh = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(previewUrl, { method: 'POST', body: fields(), credentials: 'same-origin' })
          .then(function (r) { return r.text(); })
          .then(function (html) { preview.innerHTML = html; })
          .catch(function () { /* the Preview button still works */ });
      }, 600);
    };
    live.addEventListener('input', refresh);
    var format = form.querySelector('select[name=format]');
    if (format) { format.addEventListener('change', refresh); }
  }

  var saveUrl = form.getAttribute('data-autosave-url');
  var base = form.querySelector('input[name=base_revision]');
  if (saveUrl && base) {
    var status = form.querySelector('.editor-form__status');
    var last = fields('base_revision').toString();
    var busy = false;
    setInterval(function () {
      var now = fields('base_revision').toString();
      if (stopped || busy || now === last) { return; }
      busy = true;
      fetch(saveUrl, { method: 'POST', body: fields(), credentials: 'same-origin' })
        .then(function (r) {
          if (r.status === 409) {
            stopped = true;
            var step = doc.createElement('input');
            step.type = 'hidden';
            step.name = 'step';
            step.value = 'save';
            form.appendChild(step);
            form.submit();
            return null;
          }
          return r.json().then(function (j) {
            if (r.ok && j.revision) {
              base.value = j.revision;
              last = now;
              if (status) { status.textContent = form.getAttribute('data-autosaved') || ''; }
            } else if (j.errors && status) {
              status.textContent = j.errors.map(function (e) { return plain(e.message); }).join(' ');
            }
          });
        })
        .catch(function () { /* offline: try again next time */ })
        .then(function () { busy = false; });
    }, 30000);
  }
})();
