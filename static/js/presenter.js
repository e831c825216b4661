// The presenter view: a dark/light toggle (remembered on this computer) and the end confirmation.
(function () {
  var root = document.documentElement;
  var toggle = document.getElementById("theme-toggle");
  function show() {
    var dark = root.getAttribute("data-bs-theme") === "dark";
    toggle.setAttribute("aria-pressed", dark ? "true" : "false");
  }
  if (toggle) {
    show();
    toggle.addEventListener("click", function () {
      var next = root.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
      root.setAttribute("data-bs-theme", next);
      try { window.localStorage.setItem("presenter-theme", next); } catch (e) { /* private mode */ }
      show();
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
