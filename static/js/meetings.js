// Triage board: "select all" for bulk actions. Everything works without this script too.
document.addEventListener("change", (event) => {
  if (event.target.id !== "select-all") return;
  document.querySelectorAll('#board-table input[name="ids"]').forEach((box) => {
    box.checked = event.target.checked;
  });
});
