// The service list's filter as one types: hides the services whose name and description
// (data-search) lack a typed word, and the groups left empty. Without JavaScript the same form
// asks the server (?q=), which filters the same way (portal/views.py, _service_matches).
(function () {
  "use strict";
  var form = document.getElementById("service-filter");
  var status = document.getElementById("service-filter-status");
  if (!form || !status) return;
  var input = form.querySelector("input[name=q]");
  var items = Array.prototype.slice.call(document.querySelectorAll(".service-item"));
  var groups = document.querySelectorAll("[data-service-group]");
  // Shown when nothing matches; made here, so that a page without JavaScript has no hidden text.
  var none = document.createElement("p");
  none.className = "empty-state";
  none.hidden = true;
  none.textContent = status.dataset.none;
  (groups.length ? groups[groups.length - 1] : form).after(none);
  var texts = items.map(function (item) { return item.dataset.search.toLocaleLowerCase(); });
  var timer = null;

  function apply() {
    var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item, index) {
      var match = words.every(function (word) { return texts[index].indexOf(word) !== -1; });
      item.hidden = !match;
      if (match) shown += 1;
    });
    Array.prototype.forEach.call(groups, function (group) {
      group.hidden = !group.querySelector(".service-item:not([hidden])");
    });
    none.hidden = shown > 0;
    status.textContent = words.length ? status.dataset.found + " " + shown : "";
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  });
})();
