// Roster panel: the few behaviours that need the browser. No build step.
(function () {
  "use strict";

  // FCC-43: a SIP password meeting the policy (upper, lower, digit, special, 16 characters).
  function sipPassword() {
    var sets = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%+-=?@_"];
    var all = sets.join("");
    var out = sets.map(function (s) { return pick(s); });
    while (out.length < 16) { out.push(pick(all)); }
    for (var i = out.length - 1; i > 0; i--) {
      var j = rand(i + 1); var t = out[i]; out[i] = out[j]; out[j] = t;
    }
    return out.join("");
  }
  function rand(n) { var a = new Uint32Array(1); crypto.getRandomValues(a); return a[0] % n; }
  function pick(s) { return s.charAt(rand(s.length)); }

  document.addEventListener("click", function (e) {
    var gen = e.target.closest("[data-generate-for]");
    if (gen) {
      var field = document.getElementById(gen.getAttribute("data-generate-for"));
      if (field) { field.type = "text"; field.value = sipPassword(); field.focus(); }
    }
    var all = e.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll("input[name='" + all.getAttribute("data-select-all") + "']")
        .forEach(function (box) { box.checked = all.checked; });
    }
  });

  // FCC-15/16: preview an avatar, play a recording, before uploading.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type=file][data-preview]")) { return; }
    var target = document.getElementById(input.getAttribute("data-preview"));
    if (target && input.files && input.files[0]) {
      target.src = URL.createObjectURL(input.files[0]);
      target.hidden = false;
    }
  });
})();
