/* Render the page's Mermaid diagrams with Mermaid's classic build (it works from file://,
 * where ES modules do not load), in the theme's current light or dark colours. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.mermaid) return;
  var dark = document.documentElement.dataset.theme === "dark";
  window.mermaid.initialize({ startOnLoad: false, theme: dark ? "dark" : "default" });
  window.mermaid.run({ querySelector: ".mermaid" });
});
