// A button marked data-print prints the page (no inline onclick: the CSP allows no inline script).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
