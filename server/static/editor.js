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
})();
