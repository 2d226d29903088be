// Follows the notifications of running operations: asks the portal (which
// asks ARM) once a second while one runs, shows each state, and reloads
// the page when one ends, unless the user is typing in a form.
(function () {
  "use strict";
  function running() { return document.querySelectorAll("#notifications .note.inprogress").length > 0; }
  function typing() {
    var a = document.activeElement;
    return a && (a.tagName === "INPUT" || a.tagName === "SELECT" || a.tagName === "TEXTAREA") && a.value !== "";
  }
  function poll() {
    fetch("/portal/notifications", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (notes) {
        var ended = false;
        notes.forEach(function (n) {
          var el = document.querySelector('#notifications .note[data-id="' + n.id + '"]');
          if (!el) { return; }
          if (el.classList.contains("inprogress") && n.status !== "InProgress") { ended = true; }
          el.className = "note " + n.status.toLowerCase();
          el.querySelector(".status").textContent = n.status;
        });
        if (ended && !typing()) { window.location.reload(); return; }
        if (running()) { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (running()) { setTimeout(poll, 1000); }
})();
