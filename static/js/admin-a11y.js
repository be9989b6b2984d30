// Accessibility fixes for widgets that Django's admin draws with JavaScript (axe, WCAG 4.1.2).
// Runs on every admin page (templates/admin/base_site.html) and on widgets added later
// (inline rows, pop-ups), so it watches the document.
(() => {
  "use strict";

  function labelText(id) {
    const label = id && document.querySelector(`label[for="${CSS.escape(id)}"]`);
    return label ? label.textContent.replace(/[:*]\s*$/, "").trim() : "";
  }

  function fix(root) {
    // The filter boxes of "filter_horizontal" put an aria-label on a <span> without a role
    // (axe: aria-prohibited-attr). The icon is an image with that name.
    root.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach((icon) => {
      icon.setAttribute("role", "img");
    });
    // Select2 (autocomplete fields) names its combobox after the current choice, so an empty
    // one has no name (axe: aria-input-field-name). Name it after the field's label.
    root.querySelectorAll(".select2-container").forEach((container) => {
      const select = container.previousElementSibling;
      if (!select || select.tagName !== "SELECT") return;
      const name = labelText(select.id) || select.getAttribute("aria-label") || select.name;
      container.querySelectorAll('[role="combobox"], [role="textbox"]').forEach((el) => {
        if (!el.getAttribute("aria-label")) el.setAttribute("aria-label", name);
      });
    });
  }

  fix(document);
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      mutation.addedNodes.forEach((node) => {
        if (node.nodeType === Node.ELEMENT_NODE) fix(node.parentElement || node);
      });
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
