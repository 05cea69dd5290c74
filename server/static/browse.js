/*
 * Browse pages without full reloads: facet, sort and page links fetch the next
 * server-rendered page and swap in its results, keeping the address bar and the
 * back button in step (history.pushState / popstate). Without scripts the same
 * links are ordinary links to the same pages. The language switcher follows the page.
 */
(function () {
  "use strict";
  var container = document.querySelector("main");
  if (!container || !window.fetch || !window.history.pushState || !window.DOMParser) return;

  function ours(link) {
    return link.origin === window.location.origin && link.pathname === window.location.pathname &&
      !link.hasAttribute("download") && link.closest(".browse");
  }

  function load(url, push) {
    container.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        container.innerHTML = next.querySelector("main").innerHTML;
        var languages = document.querySelector("nav.languages");
        var nextLanguages = next.querySelector("nav.languages");
        if (languages && nextLanguages) languages.innerHTML = nextLanguages.innerHTML;
        document.title = next.title;
        if (push) window.history.pushState({ browse: true }, "", url);
        container.removeAttribute("aria-busy");
      })
      .catch(function () { window.location.href = url; });
  }

  container.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey ||
        event.ctrlKey || event.shiftKey || event.altKey || !ours(link)) return;
    event.preventDefault();
    load(link.href, true);
  });

  window.addEventListener("popstate", function () { load(window.location.href, false); });
})();
