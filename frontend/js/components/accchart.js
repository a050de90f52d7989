// Train and test accuracy per epoch (認識精度): test solid, train dotted, one colour per run
// (earlier runs overlaid in theirs). The epoch axis labels at most ~12 ticks however long the run.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { PLOT_CONFIG, baseLayout } from "./plot.js";
import { runColor } from "./colors.js";
import { helpButton } from "./help.js";
import { exportButtons, tracesCsv } from "./exporter.js";

function pct(v) {
  return v == null ? null : v * 100;
}

/** Axis settings for epochs 1..n: every epoch up to 12, then Plotly's round steps. */
export function epochAxis(n) {
  const last = Math.max(5, n);
  return { range: [0.5, last + 0.5], autorange: false, ...(last <= 12 ? { dtick: 1, tickmode: "linear" } : { tickmode: "auto", nticks: 12, dtick: null }) };
}

/** createAccChart(el) -> {addEpoch(e), reset(runId), addOverlay(id, label, epochs, color), removeOverlay(id), relabel()} */
export function createAccChart(el) {
  const plotEl = h("div", { class: "chart", testid: "accuracy-chart" });
  const latest = h("output", { class: "big-number", testid: "accuracy-latest" }, "–");
  el.append(h("div", { class: "chart-head" },
    h("h3", {}, h("span", { i18n: "chart.accuracy" }, t("chart.accuracy")), helpButton("help.chart.accuracy", "help-accuracy")), latest,
    exportButtons(plotEl, "accuracy", () => tracesCsv(plotEl.data, "epoch", "accuracy %"))), plotEl);
  const overlays = [];
  let color = runColor(0);
  let maxEpoch = 0;
  const traces = () => [
    { x: [], y: [], mode: "lines+markers", name: t("chart.train_acc"), line: { color, dash: "dot" }, marker: { size: 5 } },
    { x: [], y: [], mode: "lines+markers", name: t("chart.test_acc"), line: { color }, marker: { size: 6 } },
  ];
  const layout = () => baseLayout({
    xaxis: { title: { text: t("chart.epoch") }, gridcolor: "#eceff1", ...epochAxis(maxEpoch) },
    yaxis: { title: { text: "%" }, range: [0, 100], gridcolor: "#eceff1" },
  });
  Plotly.newPlot(plotEl, traces(), layout(), PLOT_CONFIG);
  const fitAxis = (n) => {
    if (n <= maxEpoch) return;
    maxEpoch = n;
    const ax = epochAxis(n);
    Plotly.relayout(plotEl, Object.fromEntries(Object.entries(ax).map(([k, v]) => [`xaxis.${k}`, v])));
  };

  return {
    addEpoch(e) {
      Plotly.extendTraces(plotEl, { x: [[e.epoch], [e.epoch]], y: [[pct(e.accuracy)], [pct(e.val_accuracy)]] }, [0, 1]);
      fitAxis(e.epoch);
      const shown = e.val_accuracy ?? e.accuracy;
      if (shown != null) latest.textContent = `${(shown * 100).toFixed(1)}%`;
    },
    reset(runId) {
      latest.textContent = "–";
      if (runId != null) color = runColor(runId);
      maxEpoch = Math.max(0, ...plotEl.data.slice(2).map((d) => Math.max(0, ...(d.x || []))));
      Plotly.react(plotEl, [...traces(), ...plotEl.data.slice(2)], layout(), PLOT_CONFIG);
    },
    addOverlay(id, label, epochs, lineColor) {
      if (overlays.includes(id)) return;
      overlays.push(id);
      Plotly.addTraces(plotEl, {
        x: epochs.map((e) => e.epoch), y: epochs.map((e) => pct(e.val_accuracy ?? e.accuracy)),
        mode: "lines+markers", name: `${label} (${t("chart.test_acc")})`, opacity: 0.7,
        line: { color: lineColor }, marker: { size: 5 },
      });
      fitAxis(Math.max(0, ...epochs.map((e) => e.epoch)));
    },
    removeOverlay(id) {
      const i = overlays.indexOf(id);
      if (i < 0) return;
      overlays.splice(i, 1);
      Plotly.deleteTraces(plotEl, i + 2);
    },
    relabel() {
      Plotly.relayout(plotEl, { "xaxis.title.text": t("chart.epoch") });
      Plotly.restyle(plotEl, { name: [t("chart.train_acc"), t("chart.test_acc")] }, [0, 1]);
    },
  };
}
