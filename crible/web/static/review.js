// Keyboard shortcuts of the review app. Nothing here loads media: pictures come from the
// server already blurred; a reveal is a form POST (counted, audited), one item at a time.
(function () {
  "use strict";
  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
  }
  function click(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); }
  }
  function go(href) { if (href) { window.location.href = href; } }

  var review = document.getElementById("review");
  var queue = document.getElementById("queue");
  var current = 0;
  function mark() {
    if (!queue) { return; }
    var items = queue.querySelectorAll(".item");
    items.forEach(function (el, i) { el.classList.toggle("current", i === current); });
    if (items[current]) { items[current].scrollIntoView({ block: "nearest" }); }
  }
  mark();

  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (review) {
      var previous = review.dataset.previous, next = review.dataset.next;
      switch (event.key) {
        case "j": go(next && "/review/item/" + next); break;
        case "k": go(previous && "/review/item/" + previous); break;
        case "r": click("reveal-grey"); break;
        case "R": click("reveal-colour"); break;
        case "c": click("confirm"); break;
        case "x": click("reject"); break;
        case "e": click("escalate"); break;
        default: return;
      }
      event.preventDefault();
    } else if (queue) {
      var items = queue.querySelectorAll(".item");
      if (event.key === "j") { current = Math.min(current + 1, items.length - 1); mark(); }
      else if (event.key === "k") { current = Math.max(current - 1, 0); mark(); }
      else if (event.key === "Enter" && items[current]) {
        go("/review/item/" + items[current].dataset.sha256);
      } else { return; }
      event.preventDefault();
    }
  });
})();
