// A multiple choice made with the shared combobox (static/js/combobox.js): each chosen item becomes a chip with a
// hidden input named data-name and a button that removes it. Markup: [data-picker] holding ul.chips,
// input.picker-search and ul.suggestions; data-search-url answers ?q=… with {"results": [{id, label, …}]}.
(function () {
  "use strict";
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var input = picker.querySelector(".picker-search");
    var chips = picker.querySelector(".chips");
    var list = picker.querySelector(".suggestions");
    function chosen(id) {
      return chips.querySelector("input[value='" + id + "']") !== null;
    }
    function add(item) {
      input.value = "";
      if (chosen(item.id)) return;
      var li = document.createElement("li");
      li.className = "chip";
      var text = document.createElement("span");
      text.textContent = item.label + (item.commission ? " · " + item.commission : "");
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = picker.dataset.name;
      hidden.value = item.id;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", picker.dataset.removeLabel.replace("{label}", item.label));
      remove.addEventListener("click", function () {
        li.remove();
        chips.hidden = !chips.children.length;
        input.focus();
      });
      li.append(text, hidden, remove);
      chips.appendChild(li);
      chips.hidden = false;
    }
    chips.hidden = !chips.children.length;
    window.Combobox(input, list, {
      url: picker.dataset.searchUrl,
      label: function (item) { return item.label + " · " + item.commission; },
      onChoose: add,
      skip: function (item) { return chosen(item.id); },
    });
  });
})();
