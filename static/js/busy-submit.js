/* A submit button with data-busy-label shows that label, and its form's buttons are disabled,
   once the form is sent: a slow request (an import processed in-process) is not sent twice.
   Without JavaScript the form works as before, and the server refuses a second start anyway. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    if (event.defaultPrevented || !button || !button.dataset.busyLabel) return;
    const form = event.target;
    // A disabled submitter is left out of the form data, so its name and value go in a field.
    if (button.name) {
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = button.name;
      field.value = button.value;
      field.dataset.busyField = "";
      form.appendChild(field);
    }
    button.dataset.idleLabel = button.textContent;
    button.textContent = button.dataset.busyLabel;
    form.setAttribute("aria-busy", "true");
    form.querySelectorAll("button").forEach(function (each) {
      each.disabled = true;
    });
  });
  // Back to a page kept in the browser's cache: the buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("[data-idle-label]").forEach(function (button) {
      button.textContent = button.dataset.idleLabel;
      delete button.dataset.idleLabel;
    });
    document.querySelectorAll("form[aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button").forEach(function (each) {
        each.disabled = false;
      });
      form.querySelectorAll("[data-busy-field]").forEach(function (field) {
        field.remove();
      });
    });
  });
})();
