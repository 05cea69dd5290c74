/*
 * Replaces the plain query form on /sparql with YASGUI when scripts run.
 *
 * The server hands its endpoint, prefixes and starter query over in the
 * #editor-settings JSON block. A link with ?query=... (the examples gallery, a
 * shared link) opens that query in a tab and runs it; YASGUI's share button
 * makes such links.
 */
(function () {
  "use strict";
  var settingsBlock = document.getElementById("editor-settings");
  var holder = document.getElementById("editor");
  if (!window.Yasgui || !settingsBlock || !holder) return;
  var settings = JSON.parse(settingsBlock.textContent);
  var ours = [{ endpoint: settings.endpoint }];

  holder.hidden = false;
  document.getElementById("plain-form").hidden = true;
  window.dskgEditor = new window.Yasgui(holder, {
    requestConfig: { endpoint: settings.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: "dskg:" + settings.endpoint,
    endpointCatalogueOptions: { getData: function () { return ours; } },
    yasqe: { value: settings.starter, prefixCcApi: null, collapsePrefixesOnLoad: true },
    yasr: { prefixes: settings.prefixes, pluginOrder: ["table", "response", "chart"], defaultPlugin: "table" }
  });

  /* The editor's own controls come without names for screen readers: name them. */
  function nameControls() {
    var names = [[".yasgui .autocomplete", "SPARQL endpoint"],
                 [".yasgui .CodeMirror textarea", "SPARQL query"],
                 [".yasr .tableSizer", "Rows per page"]];
    names.forEach(function (pair) {
      holder.querySelectorAll(pair[0]).forEach(function (control) {
        if (!control.getAttribute("aria-label")) control.setAttribute("aria-label", pair[1]);
      });
    });
    /* The results table's first column (row numbers) has an empty header. */
    holder.querySelectorAll(".yasr thead th").forEach(function (header) {
      if (!header.textContent.trim()) {
        var text = document.createElement("span");
        text.className = "visually-hidden";
        text.textContent = "Row";
        header.appendChild(text);
      }
    });
  }
  nameControls();
  new MutationObserver(nameControls).observe(holder, { childList: true, subtree: true });
})();
