/*
 * The neighbourhood graph on resource pages, drawn with Cytoscape.js.
 *
 * The page's table of statements is the source of truth and works without scripts;
 * this view shows the same links as a graph. It starts with the page's resource,
 * asks the server for one node's neighbours (GET /graph?iri=…) whenever the reader
 * clicks that node, and shows the clicked node's name and a link to its page in the
 * side panel (a double click opens it). The server bounds every answer, so hubs stay
 * readable; link names show on the edges of the node under the pointer. The page
 * gives the panel's words in its own language (data-* attributes of the section).
 */
(function () {
  "use strict";
  var section = document.getElementById("graph-view");
  if (!section || !window.cytoscape || !window.fetch) return;
  var source = section.getAttribute("data-source");
  var start = section.getAttribute("data-iri");
  var panel = document.getElementById("graph-panel");
  // The panel's words, in the page's language.
  var text = section.dataset;
  var styles = window.getComputedStyle(section);
  function colour(kind) {
    return styles.getPropertyValue("--kind-" + kind).trim() || styles.getPropertyValue("--kind-other").trim();
  }
  var requested = {};

  section.hidden = false;
  var cy = window.cytoscape({
    container: document.getElementById("graph-canvas"),
    minZoom: 0.2, maxZoom: 3,
    style: [
      { selector: "node", style: {
        "background-color": function (node) { return colour(node.data("kind")); },
        "label": "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
        "text-wrap": "ellipsis", "text-max-width": 140, "width": 18, "height": 18,
        "text-background-color": "#fcfcfd", "text-background-opacity": 0.8 } },
      { selector: "node[kind = 'more']", style: {
        "shape": "round-rectangle", "border-width": 1, "border-color": "#888",
        "width": 26, "height": 14, "font-style": "italic" } },
      { selector: "node.expanded", style: { "border-width": 3, "border-color": "#103a5c" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#f0ad00" } },
      { selector: "edge", style: {
        "width": 1, "line-color": "#c5ccd3", "target-arrow-color": "#c5ccd3",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.7 } },
      { selector: "edge.near", style: {
        "line-color": "#7a8a99", "target-arrow-color": "#7a8a99", "width": 1.5,
        "label": "data(label)", "font-size": 8, "color": "#445", "text-rotation": "autorotate",
        "text-background-color": "#fcfcfd", "text-background-opacity": 0.9 } }
    ]
  });
  window.dskgGraph = cy;

  /* The first drawing is a ring around the page's resource. A clicked node's new
     neighbours fan out on the side facing away from the rest of the graph, so what
     the reader has already seen stays where it was. */
  function layout(around, fresh, first) {
    var centreNode = cy.getElementById(around);
    if (first) {
      fan(centreNode, cy.nodes().difference(centreNode), 0, 2 * Math.PI);
    } else {
      var from = cy.nodes().difference(fresh).boundingBox();
      var at = centreNode.position();
      var away = Math.atan2(at.y - (from.y1 + from.y2) / 2, at.x - (from.x1 + from.x2) / 2);
      var spread = Math.min(2 * Math.PI, Math.max(Math.PI, fresh.nodes().length * 0.3));
      fan(centreNode, fresh.nodes(), away, spread);
    }
    cy.fit(undefined, 24);
    keepReadable();
  }

  /* Nodes on an arc of ``spread`` radians around ``direction``, every other one
     further out so that neighbouring labels do not overlap. */
  function fan(centreNode, nodes, direction, spread) {
    var centre = centreNode.position();
    var count = nodes.length;
    var radius = Math.max(170, count * 70 / spread);
    var step = spread >= 2 * Math.PI ? spread / Math.max(1, count) : spread / Math.max(1, count - 1);
    var first = spread >= 2 * Math.PI ? direction : direction - spread / 2;
    nodes.forEach(function (node, index) {
      var angle = first + step * index;
      var distance = index % 2 ? radius * 1.3 : radius;
      node.position({ x: centre.x + distance * Math.cos(angle), y: centre.y + distance * Math.sin(angle) });
    });
  }

  /* Fitting a small graph would blow its labels up; never zoom in past 1:1. Fitting a
     large one shrinks them: labels keep 12 px on screen whatever the zoom. */
  function keepReadable() {
    if (cy.zoom() > 1) {
      cy.zoom(1);
      cy.center();
    }
    labelSize();
  }

  function labelSize() {
    var zoom = cy.zoom();
    cy.style()
      .selector("node").style({ "font-size": 12 / zoom, "text-max-width": 140 / zoom,
                                "text-margin-y": 3 / zoom })
      .selector("edge.near").style({ "font-size": 11 / zoom })
      .update();
  }
  cy.on("zoom", labelSize);

  function highlight(node) {
    cy.edges().removeClass("near");
    node.connectedEdges().addClass("near");
  }

  function show(node) {
    panel.textContent = "";
    var name = document.createElement("strong");
    name.textContent = node.data("label");
    var link = document.createElement("a");
    link.href = node.data("href");
    link.textContent = node.data("kind") === "more" ? text.fullList : text.openPage;
    var degree = document.createElement("p");
    var shown = node.connectedEdges().length;
    degree.textContent = (shown === 1 ? text.oneShown : text.manyShown).replace("%(num)s", shown);
    panel.appendChild(name);
    panel.appendChild(degree);
    panel.appendChild(link);
    highlight(node);
  }

  function expand(iri, first) {
    if (requested[iri]) return;
    requested[iri] = true;
    section.classList.add("loading");
    fetch(source + "?iri=" + encodeURIComponent(iri), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { elements: [] }; })
      .then(function (answer) {
        var fresh = cy.add(answer.elements.filter(function (element) {
          return cy.getElementById(element.data.id).empty();
        }));
        var node = cy.getElementById(iri).addClass("expanded");
        layout(iri, fresh, first);
        show(node);
      })
      .catch(function () { requested[iri] = false; })
      .then(function () { section.classList.remove("loading"); });
  }

  cy.on("tap", "node", function (event) {
    var node = event.target;
    show(node);
    if (node.data("kind") !== "more") expand(node.id(), false);
  });

  cy.on("mouseover", "node", function (event) { highlight(event.target); });
  cy.on("dbltap", "node", function (event) {
    window.location.href = event.target.data("href");
  });

  expand(start, true);
})();
