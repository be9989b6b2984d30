// Recovery codes: the "Print" button. Downloading works without this script (a data: link).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
