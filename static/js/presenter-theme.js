// Apply the presenter's chosen theme before the page paints: the saved choice, else the system's.
(function () {
  var saved = null;
  try { saved = window.localStorage.getItem("presenter-theme"); } catch (e) { /* private mode */ }
  var dark = saved ? saved === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
})();
