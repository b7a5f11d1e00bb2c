// A chosen file is checked at once, beside its field (issue 16): the size, the number of files and the type, by the
// server's own rules and messages, which the field carries as data- attributes (cases.services.attachments
// .browser_check). The server checks the content again; this only spares a round trip with every other field.
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var allowed = (input.getAttribute("accept") || "").toLowerCase().split(",").filter(Boolean);
    // The alert is a box around the list: a list with the alert role would no longer be a list.
    var box = document.createElement("div");
    box.className = "client-errors";
    box.id = input.id + "_client_errors";
    box.hidden = true;
    box.setAttribute("role", "alert");
    var list = document.createElement("ul");
    list.className = "errorlist";
    box.appendChild(list);
    input.insertAdjacentElement("afterend", box);
    function problems() {
      var found = [];
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length > parseInt(input.dataset.maxFiles, 10)) found.push(input.dataset.tooMany);
      files.forEach(function (file) {
        var dot = file.name.lastIndexOf(".");
        var extension = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
        var message = null;
        if (file.size > parseInt(input.dataset.maxBytes, 10)) message = input.dataset.tooLarge;
        else if (!file.size) message = input.dataset.empty;
        else if (allowed.length && allowed.indexOf(extension) < 0) message = input.dataset.badType;
        if (message) found.push(message.replace("{name}", file.name));
      });
      return found;
    }
    input.addEventListener("change", function () {
      var found = problems();
      // What the server said of the files chosen before no longer applies.
      input.parentElement.querySelectorAll("ul.errorlist").forEach(function (old) {
        if (old !== list) old.hidden = true;
      });
      list.innerHTML = "";
      found.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        list.appendChild(li);
      });
      box.hidden = !found.length;
      input.setCustomValidity(found.join(" "));
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== box.id;
      });
      if (found.length) {
        input.setAttribute("aria-invalid", "true");
        described.push(box.id);
      } else {
        input.removeAttribute("aria-invalid");
      }
      if (described.length) input.setAttribute("aria-describedby", described.join(" "));
      else input.removeAttribute("aria-describedby");
    });
  });
})();
