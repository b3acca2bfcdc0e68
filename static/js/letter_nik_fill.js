/* The staff "issue a letter" screen (templates/admin/layanan/letter/issue.html).
   1. Typing a whole NIK (16 digits) into a person block (a parent, the reporter, a witness) asks
      the register (layanan/admin_lookup.py) and fills that block's empty fields; what happened is
      said in the block's status line (role=status, read out by screen readers).
   2. Beside each date of birth, the age it makes (today, or at the date of death).
   Without this script the form works the same: the fields are typed and the server computes ages. */
(function () {
  "use strict";

  var form = document.getElementById("letter-form");
  if (!form) { return; }

  function say(block, text) {
    var status = block.querySelector(".lookup-status");
    if (status) { status.textContent = text; }
  }

  function fieldOf(block, name) {
    return block.querySelector('[name="' + name + '"]');
  }

  function fill(block, person, values) {
    Object.keys(values).forEach(function (key) {
      var input = fieldOf(block, person + "_" + key);
      if (!input || input.value !== "" || values[key] === null || values[key] === "") { return; }
      input.value = values[key];
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function setupBlock(block) {
    var person = block.dataset.person;
    var nikInput = fieldOf(block, person + "_nik");
    if (!nikInput) { return; }
    var asked = "";
    var pending = null;

    nikInput.addEventListener("input", function () {
      var nik = nikInput.value.replace(/[\s.]/g, "");
      if (!/^[0-9]{16}$/.test(nik) || nik === asked) { return; }
      asked = nik;
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var url = form.dataset.lookupUrl + "?nik=" + encodeURIComponent(nik);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: pending.signal })
        .then(function (response) {
          if (!response.ok) { throw new Error("lookup " + response.status); }
          return response.json();
        })
        .then(function (values) {
          if (!values.found) { say(block, form.dataset.notFound); return; }
          delete values.found;
          delete values.nik;
          fill(block, person, values);
          say(block, form.dataset.found.replace("{name}", values.name || ""));
        })
        .catch(function (error) {
          if (error.name !== "AbortError") { say(block, form.dataset.failed); }
        });
    });
  }

  function ageOn(born, day) {
    var age = day.getFullYear() - born.getFullYear();
    if (day.getMonth() < born.getMonth() ||
        (day.getMonth() === born.getMonth() && day.getDate() < born.getDate())) { age -= 1; }
    return age;
  }

  function parseDate(value) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    return parts ? new Date(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3])) : null;
  }

  function setupAge(input) {
    var hint = document.createElement("span");
    hint.className = "age-hint";
    hint.id = input.id + "_age";
    input.insertAdjacentElement("afterend", hint);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + hint.id);
    var atName = input.dataset.ageAt;
    var atInput = atName ? form.querySelector('[name="' + atName + '"]') : null;

    function update() {
      var born = parseDate(input.value);
      var day = atInput ? parseDate(atInput.value) : new Date();
      var age = born && day ? ageOn(born, day) : null;
      var text = atInput ? form.dataset.ageAtText : form.dataset.ageText;
      hint.textContent = age !== null && age >= 0 ? text.replace("{age}", String(age)) : "";
    }
    input.addEventListener("input", update);
    input.addEventListener("change", update);
    if (atInput) {
      atInput.addEventListener("input", update);
      atInput.addEventListener("change", update);
    }
    update();
  }

  Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-person]"), setupBlock);
  Array.prototype.forEach.call(form.querySelectorAll("input[data-age]"), setupAge);
})();
