// A job's page (templates/commitments/job_detail.html): follow the file's preparation
// through its status endpoint and move the progress bar without reloading; reload once
// the job has finished, so the page shows the download (or what went wrong).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box || !window.fetch) {
    return;
  }
  var bar = box.querySelector("progress");
  var label = box.querySelector(".job-label");
  var delay = 1000;

  function show(status) {
    bar.value = status.percent;
    bar.textContent = status.percent + " %";
    if (label.textContent !== status.label) {
      label.textContent = status.label;
    }
  }

  function poll() {
    fetch(box.getAttribute("data-job-status"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.active) {
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(poll, delay);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        // A network hiccup: try again a little later; the link below still works.
        var link = document.querySelector(".job-ready-link");
        if (link) {
          link.hidden = false;
        }
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, delay);
})();
