// The embed tells the page that frames it how tall it is, so the frame can fit it:
// {type: "samverkan:height", height} by postMessage, on load and whenever its size changes.
(function () {
  "use strict";
  var last = 0;
  function post() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last || window.parent === window) {
      return;
    }
    last = height;
    window.parent.postMessage({ type: "samverkan:height", height: height, href: location.href }, "*");
  }
  window.addEventListener("load", post);
  window.addEventListener("resize", post);
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(post).observe(document.documentElement);
  }
  post();
})();
