// Live progress of a batch: polls the page's progress.json every second and
// updates the <progress> bar, percent, rows per second and time left. When the
// batch stops running the page reloads to show the summary. Without JavaScript
// the page's "Refresh" link does the same by hand.
(function () {
  "use strict";
  var section = document.getElementById("batch-progress");
  if (!section || !section.dataset.url) { return; }
  var bar = document.getElementById("batch-progress-bar");
  var percent = document.getElementById("batch-percent");
  var done = document.getElementById("batch-done");
  var rate = document.getElementById("batch-rate");
  var left = document.getElementById("batch-left");
  var state = document.getElementById("batch-state");
  var refresh = section.querySelector(".refresh");
  if (refresh) { refresh.hidden = true; }

  function text(node, value) {
    if (node) { node.textContent = value === null || value === undefined ? "\u2014" : String(value); }
  }

  function show(p) {
    var pct = Number(p.percent) || 0;
    if (bar) { bar.value = pct; bar.textContent = pct.toFixed(1) + " %"; }
    text(percent, pct.toFixed(1) + " %");
    text(done, (p.issued || 0) + (p.skipped || 0));
    text(rate, p.rows_per_second === null ? null : Number(p.rows_per_second).toFixed(1));
    text(left, p.seconds_left === null ? null : Math.ceil(Number(p.seconds_left)));
  }

  var failures = 0;
  function poll() {
    fetch(section.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (p) {
        failures = 0;
        show(p);
        if (p.state === "queued" || p.state === "running") {
          window.setTimeout(poll, 1000);
        } else {
          if (state) { state.textContent = p.state === "done" ? section.dataset.doneLabel : p.state; }
          // The summary and the rows' results are rendered by the server.
          window.setTimeout(function () { window.location.reload(); }, 500);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures > 30) {
          if (refresh) { refresh.hidden = false; }
          return;
        }
        window.setTimeout(poll, Math.min(1000 * failures, 5000));
      });
  }
  poll();
}());
