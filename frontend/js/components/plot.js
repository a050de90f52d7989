// Shared Plotly settings so every chart looks the same and stays light.
export const PLOT_CONFIG = { displayModeBar: false, responsive: true };

export function baseLayout(extra = {}) {
  return {
    margin: { l: 48, r: 12, t: 24, b: 40 },
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

let revision = 0;
/**
 * Draw or update a chart with the shared look. Views that grow their arrays in place need a
 * new datarevision each time, or Plotly.react skips the arrays it has seen.
 */
export function drawPlot(el, data, layout = {}, config = {}) {
  const P = window.Plotly;
  if (!P) throw new Error("Plotly is not loaded");
  return P.react(el, data, baseLayout({ ...layout, datarevision: ++revision }), { ...PLOT_CONFIG, ...config });
}

export function purgePlots(...els) {
  for (const el of els) if (el && window.Plotly) window.Plotly.purge(el);
}
