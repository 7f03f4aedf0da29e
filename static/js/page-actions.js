/* Small page behaviours declared with data attributes instead of inline handlers (onclick=…), which the
   Content-Security-Policy forbids (docs/hardening.md). Listeners sit on the document, so content that
   htmx swaps in later works too.
     <form data-confirm="Delete this?">        asks before submitting
     <button type="button" data-print>          opens the print dialog
     <select data-autosubmit>                   submits its form when changed
     <a href="…" data-history-back>             goes back one page (the href is the fallback) */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-print]")) {
      window.print();
    } else if (event.target.closest("a[data-history-back]") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
})();
