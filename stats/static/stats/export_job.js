// A background export's page follows the job without reloading itself (a reload every few seconds moves a screen
// reader back to the top of the page, and axe calls a timed refresh critical): it fetches the page again and swaps
// in the job's card until the job has finished.
(function () {
  "use strict";
  var card = document.getElementById("export-job");
  if (!card || !card.dataset.poll) return;
  var every = parseInt(card.dataset.poll, 10);
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("export-job");
        if (!fresh) return;
        card.innerHTML = fresh.innerHTML;
        if (fresh.dataset.poll) setTimeout(poll, every);
        else delete card.dataset.poll;
      })
      .catch(function () { setTimeout(poll, every * 3); });
  }
  setTimeout(poll, every);
})();
