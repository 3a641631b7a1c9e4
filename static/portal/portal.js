// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    return token ? token.value : "";
  }

  // --- Unsaved changes: warn before leaving a form that has changes nobody saved. ---------------
  function serialize(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  function watchUnsaved() {
    var form = document.querySelector("form[data-unsaved-warning]");
    if (!form) { return; }
    // A page shown again with answers that were not saved (a refused save, more budget rows) starts dirty.
    var dirty = form.hasAttribute("data-unsaved");
    var sent = null;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt.hasAttribute("data-autosave")) { sent = serialize(form); }
    });
    // An autosave that succeeded has saved what it sent: clean, unless the user typed on meanwhile.
    document.body.addEventListener("portal:saved", function () {
      if (sent !== null && serialize(form) === sent) { dirty = false; }
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  // --- Session expiry: warn two minutes before, and offer to extend. ---------------------------
  function watchSession() {
    var box = document.getElementById("session-warning");
    if (!box) { return; }
    var seconds = parseInt(box.getAttribute("data-session-seconds"), 10) || 1800;
    var warnBefore = Math.min(120, Math.floor(seconds / 2));
    var warnTimer = null;
    var expiredTimer = null;
    var expiredText = box.querySelector("[data-expired]");
    var activeText = box.querySelector("[data-active]");
    var button = box.querySelector("button");

    // The server says what is left of the idle time (portal/idle.py): it is wound at most once a minute.
    function schedule(left) {
      if (left > 0) { seconds = left; }
      warnBefore = Math.min(120, Math.floor(seconds / 2));
      clearTimeout(warnTimer);
      clearTimeout(expiredTimer);
      box.hidden = true;
      warnTimer = setTimeout(function () {
        activeText.hidden = false;
        expiredText.hidden = true;
        button.hidden = false;
        box.hidden = false;
        button.focus();
      }, (seconds - warnBefore) * 1000);
      expiredTimer = setTimeout(function () {
        activeText.hidden = true;
        expiredText.hidden = false;
        button.hidden = true;
        box.hidden = false;
      }, seconds * 1000);
    }

    button.addEventListener("click", function () {
      fetch(box.getAttribute("data-extend-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() }
      }).then(function (response) {
        if (!response.ok) { return null; }
        return response.json().then(function (answer) { schedule(answer.expires_in); });
      });
    });
    // Every request to the server (autosave, totals) renews the session too.
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail && event.detail.xhr;
      schedule(xhr ? parseInt(xhr.getResponseHeader("X-Session-Seconds"), 10) : 0);
    });
    schedule(seconds);
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Send the CSRF token with every htmx request (the cookie is HttpOnly; every page has a token in its language form).
    document.body.addEventListener("htmx:configRequest", function (event) {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    });
    // An error summary takes the focus, so that a screen reader reads what must be corrected first.
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    watchUnsaved();
    watchSession();
  });
})();
