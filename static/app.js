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

    // Sign-up forms start in the browser's own time zone (the person can still change it).
    document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
      var zone = "";
      try {
        zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      } catch (e) {
        zone = "";
      }
      if (select.value === "UTC" && zone && select.querySelector('option[value="' + zone + '"]')) {
        select.value = zone;
      }
    });

    // Ask before destructive buttons marked with data-confirm.
    document.querySelectorAll("[data-confirm]").forEach(function (element) {
      element.addEventListener("click", function (event) {
        if (!window.confirm(element.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });

    // The pipeline board: drag a card onto another stage's column to move it. Dropping fills
    // in the card's own move form and submits it, so the server applies the same rules as for
    // the form (consent, fresh availability) and answers the same way.
    document.querySelectorAll(".board .card[data-submission]").forEach(function (card) {
      if (!card.querySelector("form.card-move")) {
        return;
      }
      card.setAttribute("draggable", "true");
      card.addEventListener("dragstart", function (event) {
        event.dataTransfer.setData("text/plain", card.getAttribute("data-submission"));
        event.dataTransfer.effectAllowed = "move";
        card.classList.add("dragging");
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("dragging");
      });
    });
    document.querySelectorAll(".board .board-column[data-stage]").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        event.preventDefault();
        column.classList.add("drop-target");
      });
      column.addEventListener("dragleave", function () {
        column.classList.remove("drop-target");
      });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("drop-target");
        var id = event.dataTransfer.getData("text/plain");
        var card = document.querySelector('.board .card[data-submission="' + id + '"]');
        var form = card && card.querySelector("form.card-move");
        if (!form || card.closest(".board-column") === column) {
          return;
        }
        form.querySelector("select[name=stage_id]").value = column.getAttribute("data-stage");
        form.submit();
      });
    });
  });
})();
