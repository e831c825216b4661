/* Small page behaviours, kept out of the HTML so that the Content-Security-Policy allows no
   inline script:
   - a form with data-confirm asks before it is sent;
   - a button with data-copy-target copies that field's value and says so;
   - a link with data-history-back goes back instead of following its href;
   - a field with data-select-on-focus selects its text when focused. */
(function () {
  "use strict";
  // Capture phase: runs before busy-submit.js, which then sees a cancelled submission.
  document.addEventListener(
    "submit",
    function (event) {
      const message = event.target.dataset && event.target.dataset.confirm;
      if (message && !window.confirm(message)) event.preventDefault();
    },
    true
  );
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });
  document.addEventListener("click", function (event) {
    const copier = event.target.closest("[data-copy-target]");
    if (copier) {
      const field = document.getElementById(copier.dataset.copyTarget);
      navigator.clipboard.writeText(field.value).then(function () {
        copier.textContent = "Copied";
      });
      return;
    }
    const back = event.target.closest("[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
