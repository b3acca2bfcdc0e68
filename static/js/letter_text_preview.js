// Live preview of the standard letter texts (admin: Teks surat). Without this script the form's
// Preview button does the same with a page load. The server fills in the placeholders and
// escapes the result; this only asks it again while staff type and shows its answer.
(function () {
  "use strict";
  var form = document.querySelector("[data-preview-form]");
  var target = document.getElementById("lettertext-preview");
  if (!form || !target || !window.fetch) return;
  var timer = null;
  var sent = 0;
  function refresh() {
    var data = new FormData(form);
    data.append("_preview", "1");
    var mine = ++sent;
    fetch(window.location.href, {
      method: "POST",
      body: data,
      headers: { "X-Preview": "1" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.text(); })
      .then(function (html) { if (mine === sent) target.innerHTML = html; })
      .catch(function () { /* offline: the Preview button still works */ });
  }
  function later(delay) {
    return function () { clearTimeout(timer); timer = setTimeout(refresh, delay); };
  }
  form.addEventListener("input", later(400));
  form.addEventListener("change", later(50));
})();
