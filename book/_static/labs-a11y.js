/* Accessibility repairs of the theme's and the extensions' markup, applied when a page loads
 * (listed in _config.yml, html_js_files). Each one fixes a serious or critical axe-core finding
 * (tests/test_browser.py runs axe-core over every page) that comes from HTML the book does not
 * write itself:
 *
 * - label-content-name-mismatch: an aria-label that hides the visible text of a control from
 *   speech-input users ("Search" on a button that shows "Search Ctrl+K"; "Toggle hidden content"
 *   on myst-nb's "Show code cell source"). The label is dropped, so the visible text names it.
 *   The colour-mode button shows one of three icons whose titles ("Light", "Dark", "System
 *   Settings") count as its visible text: its label says "Color mode" and the mode shown, and
 *   follows the mode as the reader switches it.
 * - aria-required-children / aria-deprecated-role / aria-allowed-role: sphinxcontrib-bibtex marks
 *   each reference role="doc-biblioentry" (deprecated in DPUB-ARIA 1.1) inside a role="list";
 *   a list's items are role="listitem".
 */
(function () {
  function labelModeButtons() {
    var mode = document.documentElement.dataset.mode || 'auto';
    document.querySelectorAll('.theme-switch-button').forEach(function (button) {
      var icon = button.querySelector('[data-mode="' + mode + '"]');
      var title = icon && (icon.getAttribute('title') || (icon.querySelector('title') || {}).textContent);
      if (title) button.setAttribute('aria-label', 'Color mode: ' + title);
    });
  }
  function repair() {
    document.querySelectorAll('button.search-button-field[aria-label], summary[aria-label="Toggle hidden content"]')
      .forEach(function (control) {
        if (control.textContent.trim()) control.removeAttribute('aria-label');
      });
    labelModeButtons();
    new MutationObserver(labelModeButtons)
      .observe(document.documentElement, {attributes: true, attributeFilter: ['data-mode']});
    document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]')
      .forEach(function (entry) { entry.setAttribute('role', 'listitem'); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', repair);
  else repair();
})();
