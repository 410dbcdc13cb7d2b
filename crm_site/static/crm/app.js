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

// <button data-print>: print the page (the daily lists' print view).
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.hasAttribute("data-print")) {
    window.print();
  }
});

// The browser's time zone for pages of the whole chain (crm_site.timezones): a cookie
// the server reads when the user has not chosen a zone in their staff profile.
(() => {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && !document.cookie.split("; ").includes("crm_tz=" + zone)) {
      document.cookie = "crm_tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (error) {
    // No Intl time zone: the server's default applies.
  }
})();
