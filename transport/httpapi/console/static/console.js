// The operator console's only script: the rebuild's progress bar (polls the
// consumer's progress as JSON until the new generation is active), filters
// that submit on change, and a confirmation before a skip. Every page works
// without it, but for the live progress.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.dataset.confirm)) { e.preventDefault(); }
    });
  });
  var box = document.getElementById("rebuild");
  if (!box || box.dataset.rebuilding !== "true") { return; }
  var bar = document.getElementById("rebuild-progress");
  var status = document.getElementById("rebuild-status");
  var target = parseInt(box.dataset.target, 10) || 0;
  function poll() {
    fetch(box.dataset.progress, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (p) {
        if (!p.rebuilding && p.active_generation >= target) {
          bar.value = 100;
          status.textContent = "rebuilt: generation " + p.active_generation + " is active";
          box.dataset.rebuilding = "false";
          box.dataset.done = "true";
          return;
        }
        bar.value = p.percent;
        status.textContent = "rebuilding generation " + (p.rebuild_generation || target) + ": " + p.checkpoint + " of " + p.head + " (" + p.percent + "%)";
        setTimeout(poll, 400);
      })
      .catch(function (e) { status.textContent = "progress unavailable (" + e.message + "); retrying"; setTimeout(poll, 2000); });
  }
  poll();
})();
