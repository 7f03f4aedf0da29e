// The task board: drag a card to another status column. The drop presses the card's own move button for
// that status, so it is the same htmx POST the buttons make (and the same refusal shown in place); the
// buttons stay for keyboards. Listeners are on the document, so they outlive htmx swaps of #board.
(function () {
  "use strict";
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".card[data-task]");
    if (!card) { return; }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.task);
  });
  document.addEventListener("dragend", function () { dragged = null; });
  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (dragged && column && !column.contains(dragged)) { event.preventDefault(); }
  });
  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!dragged || !column) { return; }
    event.preventDefault();
    var form = dragged.querySelector("form");
    var button = form && form.querySelector('button[name="status"][value="' + column.dataset.status + '"]');
    dragged = null;
    if (button) { form.requestSubmit(button); }
  });
})();
