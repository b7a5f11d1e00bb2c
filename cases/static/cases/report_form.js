// Report entry form: add allegation rows, search the subject registry as you type,
// show the reporter's fields only when the reporter is named, and prevent double submission.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var rows = document.getElementById("allegation-rows");
  var template = document.getElementById("allegation-template");
  var total = form.querySelector("input[name='allegations-TOTAL_FORMS']");

  function number() {
    rows.querySelectorAll(".allegation-row").forEach(function (row, i) {
      var n = row.querySelector(".row-number");
      if (n) n.textContent = String(i + 1);
    });
  }

  // The subject picker is the shared ARIA combobox (static/js/combobox.js).
  function wire(row) {
    var search = row.querySelector(".subject-search");
    var hidden = row.querySelector(".subject-id");
    var list = row.querySelector(".suggestions");
    var fresh = row.querySelector(".new-subject");
    if (!search) return;
    list.id = search.id + "-options";
    function toggleFresh() {
      fresh.classList.toggle("disabled", Boolean(hidden.value));
    }
    window.Combobox(search, list, {
      url: form.dataset.searchUrl,
      label: function (item) { return item.label + " · " + item.commission; },
      onInput: function () { hidden.value = ""; toggleFresh(); },
      onChoose: function (item) {
        hidden.value = item.id;
        search.value = item.label;
        toggleFresh();
      },
    });
    toggleFresh();
  }

  rows.querySelectorAll(".allegation-row").forEach(wire);
  number();

  document.getElementById("add-allegation").addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    wire(row);
    number();
  });

  var anonymous = document.getElementById("id_is_anonymous");
  var reporterFields = form.querySelector(".reporter-fields");
  function toggleReporter() {
    reporterFields.hidden = anonymous.checked;
  }
  anonymous.addEventListener("change", toggleReporter);
  toggleReporter();

  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-report");
    setTimeout(function () { button.disabled = true; }, 0);
  });
})();
