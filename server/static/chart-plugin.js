/*
 * A "Chart" view for YASGUI's result area (YASR), drawn with Chart.js.
 *
 * YASR ships tables and raw responses only. Research questions here are mostly
 * "how many X per Y", so the chart takes the first column that is not a number as
 * the labels and up to three numeric columns as the series: bars by default, a line
 * when the labels are years. Loaded after yasgui.min.js and chart.umd.min.js.
 */
(function () {
  "use strict";
  if (!window.Yasgui || !window.Chart) return;

  var NUMERIC = /#(integer|decimal|double|float|long|int|short|nonNegativeInteger|positiveInteger)$/;
  var MAX_SERIES = 3;
  var MAX_BARS = 200;

  function isNumber(cell) {
    return !!cell && cell.type !== "uri" && !!cell.datatype && NUMERIC.test(cell.datatype);
  }

  function shortLabel(cell, prefixes) {
    if (!cell) return "";
    if (cell.type !== "uri") return cell.value;
    for (var name in prefixes) {
      if (cell.value.indexOf(prefixes[name]) === 0) return name + ":" + cell.value.slice(prefixes[name].length);
    }
    return cell.value;
  }

  /* Which column labels the chart and which columns are its series, or null. */
  function layout(variables, bindings) {
    var numeric = variables.filter(function (name) {
      return bindings.some(function (row) { return isNumber(row[name]); }) &&
        bindings.every(function (row) { return !row[name] || isNumber(row[name]); });
    });
    var labels = variables.filter(function (name) { return numeric.indexOf(name) < 0; });
    if (!numeric.length) return null;
    return { labels: labels.slice(0, 2), series: numeric.slice(0, MAX_SERIES) };
  }

  function DskgChart(yasr) {
    this.yasr = yasr;
    this.priority = 5;
    this.label = "Chart";
    this.chart = null;
  }

  DskgChart.prototype.canHandleResults = function () {
    var results = this.yasr.results;
    if (!results || !results.getVariables || !results.getBindings) return false;
    var variables = results.getVariables() || [];
    var bindings = results.getBindings() || [];
    return bindings.length > 0 && layout(variables, bindings) !== null;
  };

  DskgChart.prototype.draw = function () {
    var variables = this.yasr.results.getVariables();
    var bindings = this.yasr.results.getBindings().slice(0, MAX_BARS);
    var plan = layout(variables, bindings);
    var prefixes = typeof this.yasr.config.prefixes === "function" ? this.yasr.config.prefixes(this.yasr) : this.yasr.config.prefixes || {};
    var labels = bindings.map(function (row, index) {
      if (!plan.labels.length) return String(index + 1);
      return plan.labels.map(function (name) { return shortLabel(row[name], prefixes); }).join(" · ");
    });
    var years = labels.length > 1 && labels.every(function (text) { return /^\d{4}$/.test(text); });
    var holder = document.createElement("div");
    holder.className = "dskg-chart";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "Chart of " + plan.series.join(", ") + (plan.labels.length ? " by " + plan.labels.join(" and ") : ""));
    holder.appendChild(canvas);
    this.yasr.resultsEl.appendChild(holder);
    this.chart = new window.Chart(canvas, {
      type: years ? "line" : "bar",
      data: {
        labels: labels,
        datasets: plan.series.map(function (name) {
          return { label: name, data: bindings.map(function (row) { return row[name] ? Number(row[name].value) : null; }) };
        })
      },
      options: { animation: false, maintainAspectRatio: false, indexAxis: !years && labels.length > 12 ? "y" : "x" }
    });
    holder.style.height = Math.max(320, !years && labels.length > 12 ? labels.length * 22 : 0) + "px";
  };

  DskgChart.prototype.destroy = function () {
    if (this.chart) this.chart.destroy();
    this.chart = null;
  };

  DskgChart.prototype.getIcon = function () {
    var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    icon.setAttribute("viewBox", "0 0 16 16");
    icon.setAttribute("width", "15");
    icon.setAttribute("height", "15");
    icon.setAttribute("aria-hidden", "true");
    [[1, 9, 4], [6, 4, 9], [11, 7, 6]].forEach(function (bar) {
      var rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("x", bar[0]);
      rect.setAttribute("y", bar[1]);
      rect.setAttribute("width", "4");
      rect.setAttribute("height", bar[2] + 2);
      rect.setAttribute("fill", "currentColor");
      icon.appendChild(rect);
    });
    return icon;
  };

  window.Yasgui.Yasr.registerPlugin("chart", DskgChart);
})();
