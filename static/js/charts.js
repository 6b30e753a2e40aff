// Draws every <canvas data-chart="<id>"> with Chart.js (static/vendor/chartjs) from the JSON of the element
// <id> (json_script: {kind, labels, datasets: [{label, unit, data}], links?, diverging?}); again after each htmx
// swap. A chart with links opens a point's address on click; a diverging one colours bars by sign. No inline
// script or style: the policy allows neither, and Chart.js sizes its canvas through the CSSOM.
(() => {
  const COLOURS = ["#2856d6", "#1e7b34", "#c2410c", "#7c3aed", "#0e7490", "#b3261e"];
  const RISING = "#1e7b34";
  const FALLING = "#b3261e";
  const locale = document.documentElement.lang || undefined;

  function formatter(unit) {
    const currency = document.getElementById("dashboard-body")?.dataset.currency || "USD";
    if (unit === "ratio") return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
    if (unit === "money") return new Intl.NumberFormat(locale, { style: "currency", currency, notation: "compact" });
    return new Intl.NumberFormat(locale);
  }

  function options(spec) {
    const format = formatter(spec.datasets[0]?.unit);
    const horizontal = spec.kind === "horizontal-bar";
    const valueAxis = horizontal ? "x" : "y";
    const label = (context) => {
      const value = context.parsed[valueAxis] ?? context.parsed;
      const unit = formatter(context.dataset.unit);
      return `${context.dataset.label}: ${value === null ? "—" : unit.format(value)}`;
    };
    const base = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: spec.datasets.length > 1 || spec.kind === "doughnut" }, tooltip: { callbacks: { label } } },
    };
    if (spec.links) {
      base.onClick = (event, elements) => {
        if (elements.length) window.location.assign(spec.links[elements[0].index]);
      };
      base.onHover = (event, elements) => {
        event.native.target.style.cursor = elements.length ? "pointer" : "";
      };
    }
    if (spec.kind === "doughnut") return base;
    return {
      ...base,
      indexAxis: horizontal ? "y" : "x",
      scales: { [valueAxis]: { beginAtZero: true, ticks: { callback: (value) => format.format(value) } } },
    };
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || !window.Chart) return;
    const spec = JSON.parse(source.textContent);
    Chart.getChart(canvas)?.destroy();
    const type = spec.kind === "horizontal-bar" ? "bar" : spec.kind;
    const fill = (dataset, index) => {
      if (spec.kind === "doughnut") return COLOURS;
      if (spec.diverging) return dataset.data.map((value) => (value < 0 ? FALLING : RISING));
      return COLOURS[index % COLOURS.length];
    };
    const datasets = spec.datasets.map((dataset, index) => ({
      label: dataset.label,
      unit: dataset.unit,
      data: dataset.data,
      backgroundColor: fill(dataset, index),
      borderColor: COLOURS[index % COLOURS.length],
      spanGaps: false,
    }));
    new Chart(canvas, { type, data: { labels: spec.labels, datasets }, options: options(spec) });
    canvas.dataset.drawn = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    htmx.onLoad((root) => {
      const canvases = root.matches?.("canvas[data-chart]") ? [root] : root.querySelectorAll("canvas[data-chart]");
      canvases.forEach(draw);
    });
  });
})();
