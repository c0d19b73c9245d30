/* Translating a course: Ctrl+Enter (or Cmd+Enter) in a translation saves it in the
   background and moves to the next text; Alt+ArrowDown / Alt+ArrowUp move between texts.
   A refused translation (or a failed request) posts the form as usual, and the page
   comes back with the reason. Without script, "Save and next" does the same by reload. */
(function () {
  'use strict';
  var doc = document;
  // The progress list is open beside the texts on wide screens, folded above them else.
  Array.prototype.forEach.call(doc.querySelectorAll('[data-translate-parts]'), function (d) {
    if (window.matchMedia && window.matchMedia('(min-width: 900px)').matches) { d.open = true; }
  });
  var forms = doc.querySelectorAll('[data-tseg-form]');
  if (!forms.length || !window.fetch || !window.URLSearchParams || !window.FormData) { return; }
  Array.prototype.forEach.call(doc.querySelectorAll('[data-translate-keys]'), function (p) { p.hidden = false; });
  var live = doc.querySelector('[data-translate-live]');
  var list = Array.prototype.slice.call(forms);
  function field(i) { return list[i] && list[i].querySelector('textarea'); }
  function go(i) {
    var t = field(i);
    if (!t) { return; }
    t.focus();
    t.closest('[data-tseg]').scrollIntoView({ block: 'nearest' });
  }
  list.forEach(function (form, i) {
    form.addEventListener('keydown', function (e) {
      if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        e.preventDefault();
        go(e.key === 'ArrowDown' ? i + 1 : i - 1);
        return;
      }
      if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) { return; }
      e.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      if (button.disabled) { return; }
      button.disabled = true;
      fetch(form.action, {
        method: 'POST', credentials: 'same-origin', redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)).toString()
      }).then(function (r) {
        // Saved: the answer is the redirect back to the editor.
        if (r.type !== 'opaqueredirect' && !(r.status >= 300 && r.status < 400)) { throw new Error(r.status); }
        button.disabled = false;
        var article = form.closest('[data-tseg]');
        var chip = article.querySelector('[data-tseg-state]');
        article.className = article.className.replace(/tseg--\w+/, 'tseg--translated');
        if (chip) {
          chip.className = 'cdx-info-chip cdx-info-chip--success';
          chip.textContent = chip.getAttribute('data-translated') || chip.textContent;
        }
        if (live) { live.textContent = ''; live.textContent = live.getAttribute('data-saved'); }
        go(i + 1);
      }).catch(function () { button.disabled = false; form.submit(); });
    });
  });
})();
