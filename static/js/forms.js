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
