/* Render the page's Mermaid diagrams with Mermaid's classic build (it works from file://,
 * where ES modules do not load), in the theme's current light or dark colours and in the
 * page's own font stack (Mermaid's default has no Chinese), once the fonts the labels need
 * have loaded, so that Mermaid measures the labels in the font they are drawn in. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.mermaid) return;
  var dark = document.documentElement.dataset.theme === "dark";
  var family = window.getComputedStyle(document.body).fontFamily;
  window.mermaid.initialize({
    startOnLoad: false,
    theme: dark ? "dark" : "default",
    fontFamily: family,
    themeVariables: { fontFamily: family },
  });
  var labels = Array.prototype.map
    .call(document.querySelectorAll(".mermaid"), function (e) { return e.textContent; })
    .join("");
  var fonts = document.fonts && document.fonts.load
    ? document.fonts.load("16px " + family, labels).catch(function () {})
    : Promise.resolve();
  fonts.then(function () { window.mermaid.run({ querySelector: ".mermaid" }); });
});
