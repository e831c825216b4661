/* The readiness report's charts: Chart.js drawn from the JSON the page embeds (#report-charts).
   Every chart has a table with the same figures in the page, so nothing depends on this file. */
(function () {
  "use strict";
  const source = document.getElementById("report-charts");
  if (!source || typeof Chart === "undefined") return;
  const charts = JSON.parse(source.textContent);
  // Colour-blind-safe (Okabe–Ito) colours; NPS uses green, grey and red as people expect.
  // Each group keeps its colour in every chart.
  const palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"];
  const namedColours = {
    "All respondents": "#0072B2",
    Leadership: "#E69F00",
    "End users": "#009E73",
    Promoters: "#198754",
    Passives: "#adb5bd",
    Detractors: "#dc3545",
    "Licensed seats": "#6c757d",
  };

  // Draw the barrier threshold as a dashed horizontal line across the plot area.
  const barrierLine = {
    id: "barrierLine",
    afterDatasetsDraw(chart, _args, options) {
      if (options.value === undefined || options.value === null) return;
      const { ctx, chartArea, scales } = chart;
      const y = scales.y.getPixelForValue(options.value);
      ctx.save();
      ctx.strokeStyle = "#b02a37";
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(chartArea.left, y);
      ctx.lineTo(chartArea.right, y);
      ctx.stroke();
      ctx.fillStyle = "#b02a37";
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillText(`Barrier ≤ ${options.value.toFixed(1)}`, chartArea.left + 4, y - 4);
      ctx.restore();
    },
  };

  function build(canvas, spec) {
    const horizontal = spec.indexAxis === "y";
    const datasets = spec.datasets.map((dataset, index) => {
      const colour = namedColours[dataset.label] || palette[index % palette.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: colour,
        spanGaps: true,
        tension: 0.2,
        borderDash: dataset.label === "Licensed seats" ? [6, 4] : undefined,
      };
    });
    const valueAxis = {
      min: spec.y.min,
      max: spec.y.max,
      stacked: Boolean(spec.stacked),
      title: { display: Boolean(spec.y.title), text: spec.y.title },
    };
    const categoryAxis = spec.timeAxis
      ? {
          // Milliseconds since the epoch on a linear axis, printed as dates: no adapter needed.
          type: "linear",
          ticks: { callback: (value) => new Date(value).toISOString().slice(0, 10) },
          title: { display: true, text: "Date of the round's figures" },
        }
      : { stacked: Boolean(spec.stacked) };
    return new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.indexAxis || "x",
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: (items) =>
                items.length && items[0].raw && items[0].raw.round
                  ? `${items[0].raw.round}, ${new Date(items[0].raw.x).toISOString().slice(0, 10)}`
                  : undefined,
              label: (item) => {
                const value = item.parsed[horizontal ? "x" : "y"];
                return `${item.dataset.label}: ${value === null ? "—" : Number(value).toFixed(1)}`;
              },
            },
          },
          barrierLine: { value: spec.barrierLine },
        },
      },
      plugins: [barrierLine],
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const spec = charts[canvas.dataset.chart];
    if (!spec || !spec.datasets.length || !spec.labels.length) {
      canvas.closest(".chart-box").hidden = true;
      return;
    }
    build(canvas, spec);
  });

  // Printing shows every table: a closed <details> would hide the figures on paper.
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("details.chart-table").forEach((details) => {
      details.open = true;
    });
  });
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
})();
