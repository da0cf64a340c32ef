/* Forms: after a failed submission, move focus to the error summary so keyboard and
   screen-reader users land on the list of problems; its links then focus the field.
   Loaded with <script src> (the CSP allows scripts from this site only). */
(function () {
  "use strict";

  function focusable(target) {
    // A radio group's id names its wrapper: focus its checked (or first) choice instead.
    if (target.matches("input, select, textarea, button, [tabindex]")) {
      return target;
    }
    return target.querySelector("input:checked") || target.querySelector("input, select, textarea");
  }

  /* A form marked data-submit-once sends once: a second click while the page is
     loading is ignored. The server is the real guard (each step carries the version
     the page showed, and a step sent twice says nothing more was done); this only
     spares the round trip. Back-forward navigation gets the form ready again. */
  function guardDoubleSubmit() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-submit-once")) {
        return;
      }
      if (form.getAttribute("data-submitted") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitted", "true");
      form.querySelectorAll("button[type='submit']").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
      });
    });
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-submitted]").forEach(function (form) {
        form.removeAttribute("data-submitted");
        form.querySelectorAll("button[aria-disabled]").forEach(function (button) {
          button.removeAttribute("aria-disabled");
        });
      });
    });
  }

  guardDoubleSubmit();

  function init() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        if (!link) {
          return;
        }
        var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
        var field = target && focusable(target);
        if (field) {
          event.preventDefault();
          field.scrollIntoView({ block: "center" });
          field.focus();
        }
      });
      return;
    }
    var firstError = document.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (firstError) {
      firstError.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
