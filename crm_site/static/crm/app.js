// Behaviour that used to sit in on*="..." attributes: the Content-Security-Policy allows
// no inline script, so pages mark elements with data- attributes and this file acts.
(function () {
  "use strict";
  // <select data-autosubmit>: choosing an option submits its form (language picker).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
})();
