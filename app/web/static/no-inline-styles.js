/* vis-timeline's bundle adds its stylesheet as <style> elements, which this page's
   Content-Security-Policy (style-src 'self') refuses, each refusal a console error. The same
   rules come from the vendored stylesheet (vendor/vis-timeline/vis-timeline-graph2d.min.css),
   so the page's head takes no <style> element: nothing else here makes one. */
"use strict";

(() => {
  const append = Node.prototype.appendChild;
  document.head.appendChild = function appendChild(node) {
    return node instanceof HTMLStyleElement ? node : append.call(this, node);
  };
})();
