// kimrecon: drag and drop of files onto an upload form (progressive enhancement; the forms work without it).
(function () {
  "use strict";
  function bind(root) {
    root.querySelectorAll("form.ablage").forEach(function (form) {
      if (form.dataset.ablage) { return; }
      form.dataset.ablage = "1";
      var input = form.querySelector("input[type=file]");
      if (!input) { return; }
      form.addEventListener("dragover", function (ev) { ev.preventDefault(); form.classList.add("ueber"); });
      form.addEventListener("dragleave", function () { form.classList.remove("ueber"); });
      form.addEventListener("drop", function (ev) {
        ev.preventDefault();
        form.classList.remove("ueber");
        if (ev.dataTransfer && ev.dataTransfer.files.length) {
          input.files = ev.dataTransfer.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:load", function (ev) { bind(ev.target); });
})();
