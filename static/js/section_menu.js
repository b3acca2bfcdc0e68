// The kelurahan's section menu on a phone. Without JavaScript its "Menu" link opens the list
// through #section-menu (CSS :target, static/css/portal.css); here the link becomes a button
// that folds and unfolds the list in place and says whether it is open.
(function () {
  "use strict";
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("section-menu");
  if (!toggle || !menu) return;
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-controls", "section-menu");
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    var open = menu.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
