// One ARIA combobox for every "type to search, pick from a list" field (issue 16): the subject picker of the
// report form and the investigator picker of the report page. Typing fetches matches into a listbox; ArrowDown
// and ArrowUp move through them, Enter chooses one, Escape closes the list, and a click chooses as before. Focus
// stays in the text box; aria-activedescendant tells a screen reader which suggestion is current.
//
// Combobox(input, list, {url, label(item), onChoose(item), onInput(), skip(item)}): url is the JSON endpoint
// answering ?q=… with {"results": [...]}; label gives an option's text; skip leaves out an item (one chosen already).
(function () {
  "use strict";
  window.Combobox = function (input, list, options) {
    var timer = null;
    var items = [];
    var active = -1;
    list.id = list.id || input.id + "-options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    function open(show) {
      list.hidden = !show;
      input.setAttribute("aria-expanded", show ? "true" : "false");
      if (!show) highlight(-1);
    }
    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
        li.classList.toggle("active", i === index);
      });
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function choose(index) {
      open(false);
      options.onChoose(items[index]);
    }
    input.addEventListener("input", function () {
      if (options.onInput) options.onInput();
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { open(false); return; }
      timer = setTimeout(function () {
        fetch(options.url + (options.url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.innerHTML = "";
            items = options.skip ? data.results.filter(function (item) { return !options.skip(item); }) : data.results;
            items.forEach(function (item, i) {
              var li = document.createElement("li");
              li.id = list.id + "-" + i;
              li.setAttribute("role", "option");
              li.setAttribute("aria-selected", "false");
              li.textContent = options.label(item);
              // mousedown, not click: the text box keeps focus, so the list is not closed under the pointer.
              li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
              list.appendChild(li);
            });
            active = -1;
            open(items.length > 0);
          });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      var shown = !list.hidden && items.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!items.length) return;
        event.preventDefault();
        if (!shown) { open(true); }
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(active < 0 ? (step > 0 ? 0 : items.length - 1) : (active + step + items.length) % items.length);
      } else if (event.key === "Enter" && shown && active >= 0) {
        event.preventDefault();  // choose the item; do not submit the form
        choose(active);
      } else if (event.key === "Escape" && shown) {
        event.preventDefault();
        open(false);
      }
    });
    input.addEventListener("blur", function () { open(false); });
  };
})();
