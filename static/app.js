// NextGig's small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary of a form that came back with errors, so screen readers
  // announce it and keyboard users start where the problems are.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }

    // Ask before destructive buttons marked with data-confirm.
    document.querySelectorAll("[data-confirm]").forEach(function (element) {
      element.addEventListener("click", function (event) {
        if (!window.confirm(element.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  });
})();
