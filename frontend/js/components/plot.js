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
