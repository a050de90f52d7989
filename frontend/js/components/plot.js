// Shared Plotly settings so every chart looks the same and stays light.
export const PLOT_CONFIG = { displayModeBar: false, responsive: true };

const MARGIN = { l: 48, r: 12, t: 24, b: 40 };

export function baseLayout(extra = {}) {
  return {
    margin: { ...MARGIN },
    font: { family: "system-ui, 'Hiragino Sans', 'Noto Sans CJK JP', sans-serif", size: 11, color: "#3c4043" },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#fff",
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 10 } },
    xaxis: { gridcolor: "#eceff1", zeroline: false },
    yaxis: { gridcolor: "#eceff1", zeroline: false },
    ...extra,
  };
}

export const PALETTE = ["#1a73e8", "#e8710a", "#188038", "#a142f4", "#d93025", "#12b5cb", "#f9ab00"];

// A chart with a title and a legend above its plot keeps the title at the top of the figure
// and gives the legend its own band below it: at Plotly's default place the two were drawn
// over each other (the optimizer race at 820 px).  Heatmaps and contours have no legend entry.
const TITLED_TOP = 64;
const NO_LEGEND = new Set(["heatmap", "contour", "histogram2d", "image"]);

function titleAboveLegend(data, layout) {
  const legend = layout.showlegend !== false
    && data.some((trace) => trace.showlegend !== false && !NO_LEGEND.has(trace.type));
  if (!layout.title || !legend) return layout;
  const margin = { ...MARGIN, ...layout.margin };
  margin.t = Math.max(margin.t, TITLED_TOP);
  return { ...layout, margin, title: { yref: "container", y: 0.99, yanchor: "top", ...layout.title } };
}

let revision = 0;
/**
 * Draw or update a chart with the shared look. Views that grow their arrays in place need a
 * new datarevision each time, or Plotly.react skips the arrays it has seen.
 */
export function drawPlot(el, data, layout = {}, config = {}) {
  const P = window.Plotly;
  if (!P) throw new Error("Plotly is not loaded");
  const full = titleAboveLegend(data, layout);
  return P.react(el, data, baseLayout({ ...full, datarevision: ++revision }), { ...PLOT_CONFIG, ...config });
}

export function purgePlots(...els) {
  for (const el of els) if (el && window.Plotly) window.Plotly.purge(el);
}
