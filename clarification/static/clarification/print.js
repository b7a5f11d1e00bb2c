document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-roster");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});
