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

  // The subject picker is an ARIA combobox (issue 16): typing lists the registry's matches in a listbox; ArrowDown
  // and ArrowUp move through them, Enter chooses one, Escape closes the list, and a click chooses as before. Focus
  // stays in the text box; aria-activedescendant tells a screen reader which suggestion is current.
  function wire(row) {
    var search = row.querySelector(".subject-search");
    var hidden = row.querySelector(".subject-id");
    var list = row.querySelector(".suggestions");
    var fresh = row.querySelector(".new-subject");
    var timer = null;
    var items = [];
    var active = -1;
    if (!search) return;
    list.id = search.id + "-options";
    list.setAttribute("role", "listbox");
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-controls", list.id);
    search.setAttribute("aria-expanded", "false");
    search.setAttribute("autocomplete", "off");
    function toggleFresh() {
      fresh.classList.toggle("disabled", Boolean(hidden.value));
    }
    function open(show) {
      list.hidden = !show;
      search.setAttribute("aria-expanded", show ? "true" : "false");
      if (!show) highlight(-1);
    }
    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
        li.classList.toggle("active", i === index);
      });
      if (index >= 0) {
        search.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({ block: "nearest" });
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }
    function choose(index) {
      var item = items[index];
      hidden.value = item.id;
      search.value = item.label;
      open(false);
      toggleFresh();
    }
    search.addEventListener("input", function () {
      hidden.value = "";
      toggleFresh();
      clearTimeout(timer);
      var q = search.value.trim();
      if (!q) { open(false); return; }
      timer = setTimeout(function () {
        fetch(form.dataset.searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.innerHTML = "";
            items = data.results;
            items.forEach(function (item, i) {
              var li = document.createElement("li");
              li.id = list.id + "-" + i;
              li.setAttribute("role", "option");
              li.setAttribute("aria-selected", "false");
              li.textContent = item.label + " · " + item.commission;
              // mousedown, not click: the text box keeps focus, so the list is not closed under the pointer.
              li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
              list.appendChild(li);
            });
            active = -1;
            open(items.length > 0);
          });
      }, 200);
    });
    search.addEventListener("keydown", function (event) {
      var shown = !list.hidden && items.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!items.length) return;
        event.preventDefault();
        if (!shown) { open(true); }
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(active < 0 ? (step > 0 ? 0 : items.length - 1) : (active + step + items.length) % items.length);
      } else if (event.key === "Enter" && shown && active >= 0) {
        event.preventDefault();  // choose the subject; do not submit the form
        choose(active);
      } else if (event.key === "Escape" && shown) {
        event.preventDefault();
        open(false);
      }
    });
    search.addEventListener("blur", function () { open(false); });
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
