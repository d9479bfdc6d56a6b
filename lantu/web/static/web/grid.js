// Spreadsheet-like keys in the entry grid: Enter moves down a row, Shift+Enter up.
// Saving happens on "change" (htmx), which Enter and Tab both trigger.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.key !== "Enter" || !target.classList || !target.classList.contains("cell")) { return; }
  event.preventDefault();
  target.dispatchEvent(new Event("change", { bubbles: true }));
  var cells = Array.prototype.slice.call(document.querySelectorAll("#grid input.cell"));
  var index = cells.indexOf(target) + (event.shiftKey ? -1 : 1);
  if (cells[index]) { cells[index].focus(); cells[index].select(); }
});
// After htmx replaces a row, keep the focus where the user is typing.
document.body.addEventListener("htmx:afterSwap", function () {
  var active = document.activeElement;
  if (active && active.classList && active.classList.contains("cell")) { active.select(); }
});
