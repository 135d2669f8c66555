/* Three fixes for the ipywidgets HTML manager 1.0.6 (embed-amd.js) on a Jupyter Book page.
 * Loaded after require.js and before embed-amd.js, on pages that contain widgets.
 *
 * 1. Fonts: the manager finds its font files next to the URL require.js gives its AMD
 *    modules, which is the page's folder unless their paths name the real file (404s).
 * 2. Icons: the theme's FontAwesome script replaces every <i class="fa ..."> with an <svg>,
 *    so the Play widget loses the element it updates; widget icons are marked as done.
 * 3. MathJax: the manager typesets labels with MathJax 2's MathJax.Hub.Queue, which
 *    MathJax 3 lacks; a small MathJax.Hub forwards to MathJax 3's typesetPromise.
 */
(function () {
  "use strict";

  // 1. Point the manager's modules at the file they live in.
  var self = document.currentScript;
  var embed = (self && self.dataset.embedAmd) || new URL("html-manager/embed-amd.js", self.src).href;
  var module = embed.replace(/\.js$/, "");
  if (window.require && window.require.config) {
    var paths = {};
    ["base", "controls", "output", "html-manager", "html-manager/dist/libembed-amd"].forEach(
      function (name) {
        paths["@jupyter-widgets/" + name] = module;
      }
    );
    window.require.config({ paths: paths });
  }

  // 2. Keep FontAwesome's SVG replacement away from icons inside widgets. This observer is
  //    created before FontAwesome's (which loads deferred), so it sees new nodes first.
  var FA_DONE = "data-fa-i2svg";
  function markIcons(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll(".jupyter-widgets i.fa, .widget-subarea i.fa").forEach(function (i) {
      i.setAttribute(FA_DONE, "");
    });
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) {
          if (node.matches("i.fa") && node.closest(".jupyter-widgets, .widget-subarea")) {
            node.setAttribute(FA_DONE, "");
          }
          markIcons(node);
        }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });

  // 3. MathJax 2's Hub.Queue(["Typeset", MathJax.Hub, element]) on top of MathJax 3. Widget
  //    labels write inline maths as $...$, which this site's MathJax does not scan for (a
  //    dollar in prose must stay a dollar), so the label's own $...$ become \(...\) first.
  var pending = [];
  function dollarsToParens(element) {
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeValue.indexOf("$") >= 0) {
        node.nodeValue = node.nodeValue.replace(/\$([^$]+)\$/g, "\\($1\\)");
      }
    }
  }
  function typeset(element) {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise
        .then(function () {
          dollarsToParens(element);
          return mj.typesetPromise([element]);
        })
        .catch(function (err) {
          console.warn("MathJax could not typeset a widget label", err);
        });
    } else {
      pending.push(element);
    }
  }
  function flush() {
    pending.splice(0).forEach(typeset);
  }
  var hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        if (Array.isArray(job) && job[0] === "Typeset" && job[2]) typeset(job[2]);
        else if (typeof job === "function") job();
      });
    },
  };
  function addHub(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      Object.defineProperty(mj, "Hub", { value: hub, enumerable: false, configurable: true });
    }
    return mj;
  }
  // MathJax 3 replaces the window.MathJax configuration object with itself when it starts.
  var current = addHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: function () {
      return current;
    },
    set: function (value) {
      current = addHub(value);
    },
  });
  document.addEventListener("DOMContentLoaded", flush);
  window.addEventListener("load", flush);
})();
