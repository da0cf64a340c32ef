/* The warning before a signed-in session ends (templates/includes/session_timeout.html).

   The server ends a session after 30 minutes without a request, and 12 hours after sign-in
   whatever happens; the page says how many seconds are left of each (data-idle,
   data-absolute) and how long before the end to warn (data-warning). A few minutes before
   the end, a modal dialog says so: "Stay signed in" sends a request that keeps the
   session going (and closes the dialog), Escape does the same, "Sign out" signs out.
   Before the 12-hour limit, which nothing extends, it says to save now. Once the time is
   up it says the session has ended, and that what was typed stays on the page: saving it
   leads to sign-in, after which the form is filled in again (commitments/kept_forms.py).

   Tabs of the same site share one clock through localStorage: a page loaded, or a
   "Stay signed in", in one tab moves the end for the others. Without this script no
   dialog shows, and a form posted late is still kept. */
(function () {
  "use strict";

  var SHARED = "nadd-session-idle-ends";
  // "Signed out" is said a moment after the server's end, never before it.
  var GRACE = 1000;

  function init() {
    var dialog = document.getElementById("session-timeout");
    if (!dialog || typeof dialog.showModal !== "function") {
      return;
    }
    var loaded = Date.now();
    var warning = Number(dialog.dataset.warning) * 1000;
    var absoluteEnd = loaded + Number(dialog.dataset.absolute) * 1000;
    var idleEnd = loaded + Number(dialog.dataset.idle) * 1000;
    var timer = null;
    var state = null; // the state last shown ("idle", "absolute", "ended"), even if closed

    function shared() {
      try {
        return Number(window.localStorage.getItem(SHARED)) || 0;
      } catch (error) {
        return 0;
      }
    }

    function share(end) {
      try {
        if (end > shared()) {
          window.localStorage.setItem(SHARED, String(end));
        }
      } catch (error) {
        /* Storage refused (private mode): this tab keeps its own clock. */
      }
    }

    function ends() {
      // The idle end this tab knows, or a later one another tab has seen.
      idleEnd = Math.max(idleEnd, Math.min(shared(), absoluteEnd));
      return Math.min(idleEnd, absoluteEnd);
    }

    function show(name) {
      state = name;
      dialog.querySelectorAll("[data-state]").forEach(function (element) {
        element.hidden = element.dataset.state.split(" ").indexOf(name) === -1;
      });
      if (!dialog.open) {
        dialog.showModal();
      }
      var first = dialog.querySelector(
        name === "idle" ? "[data-action='extend']" : "[data-action='close']"
      );
      if (first) {
        first.focus();
      }
    }

    function close() {
      if (dialog.open) {
        dialog.close();
      }
    }

    function check() {
      window.clearTimeout(timer);
      var now = Date.now();
      var end = ends();
      if (now >= end + GRACE) {
        if (state !== "ended") {
          show("ended");
        }
        return;
      }
      if (now >= end - warning) {
        var name = end === absoluteEnd ? "absolute" : "idle";
        if (state !== name) {
          show(name);
        }
      } else if (state !== null) {
        state = null; // another tab kept the session going
        close();
      }
      // Again at the next moment that matters, and at least every 15 seconds for the
      // other tabs' news.
      var next = now < end - warning ? end - warning - now : end + GRACE - now;
      timer = window.setTimeout(check, Math.max(250, Math.min(next, 15000)));
    }

    function extend() {
      var form = dialog.querySelector("form[data-state='idle']");
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          redirect: "manual",
        })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("not extended");
          }
          return response.json();
        })
        .then(function (left) {
          idleEnd = Date.now() + left.idle * 1000;
          absoluteEnd = Date.now() + left.absolute * 1000;
          share(idleEnd);
          state = null;
          close();
          check();
        })
        .catch(function () {
          // Signed out already (sent to sign in), or the site is unreachable.
          show("ended");
        });
    }

    dialog.addEventListener("submit", function (event) {
      if (event.target.dataset.state === "idle" && event.submitter &&
          event.submitter.dataset.action === "extend") {
        event.preventDefault();
        extend();
      }
    });
    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-action='close']")) {
        close();
      }
    });
    dialog.addEventListener("cancel", function (event) {
      // Escape: as "Stay signed in" while that is possible, otherwise just close.
      if (state === "idle") {
        event.preventDefault();
        extend();
      }
    });
    share(idleEnd);
    check();
    // A tab woken from sleep looks again at once.
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        check();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
