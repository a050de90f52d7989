// Train and test accuracy per epoch (認識精度), with earlier runs overlaid as dashed lines.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { PLOT_CONFIG, baseLayout, PALETTE } from "./plot.js";

function pct(v) {
  return v == null ? null : v * 100;
}

/** createAccChart(el) -> {addEpoch(e), reset(), addOverlay(id, label, epochs), removeOverlay(id), relabel()} */
export function createAccChart(el) {
  const plotEl = h("div", { class: "chart", testid: "accuracy-chart" });
  const latest = h("output", { class: "big-number", testid: "accuracy-latest" }, "–");
  el.append(h("div", { class: "chart-head" }, h("h3", { i18n: "chart.accuracy" }, t("chart.accuracy")), latest), plotEl);
  const overlays = [];
  const traces = () => [
    { x: [], y: [], mode: "lines+markers", name: t("chart.train_acc"), line: { color: PALETTE[0] } },
    { x: [], y: [], mode: "lines+markers", name: t("chart.test_acc"), line: { color: PALETTE[1] } },
  ];
  const layout = () => baseLayout({
    xaxis: { title: { text: t("chart.epoch") }, dtick: 1, gridcolor: "#eceff1", range: [0.5, 5.5], autorange: false },
    yaxis: { title: { text: "%" }, range: [0, 100], gridcolor: "#eceff1" },
  });
  Plotly.newPlot(plotEl, traces(), layout(), PLOT_CONFIG);

  return {
    addEpoch(e) {
      Plotly.extendTraces(plotEl, { x: [[e.epoch], [e.epoch]], y: [[pct(e.accuracy)], [pct(e.val_accuracy)]] }, [0, 1]);
      if (plotEl.layout.xaxis.autorange === false) Plotly.relayout(plotEl, { "xaxis.autorange": true });
      const shown = e.val_accuracy ?? e.accuracy;
      if (shown != null) latest.textContent = `${(shown * 100).toFixed(1)}%`;
    },
    reset() {
      latest.textContent = "–";
      Plotly.react(plotEl, [...traces(), ...plotEl.data.slice(2)], layout(), PLOT_CONFIG);
    },
    addOverlay(id, label, epochs) {
      if (overlays.includes(id)) return;
      overlays.push(id);
      Plotly.relayout(plotEl, { "xaxis.autorange": true });
      Plotly.addTraces(plotEl, {
        x: epochs.map((e) => e.epoch), y: epochs.map((e) => pct(e.val_accuracy ?? e.accuracy)),
        mode: "lines+markers", name: `${label} (${t("chart.test_acc")})`, opacity: 0.6,
        line: { dash: "dash", color: PALETTE[(overlays.length + 1) % PALETTE.length] },
      });
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
