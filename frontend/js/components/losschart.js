// Loss per step. addPoints() queues points; one Plotly.extendTraces per animation frame draws
// them with a point cap, so an hour-long run does not slow the page. Each run has its colour.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { frameBatcher } from "../dom.js";
import { PLOT_CONFIG, baseLayout } from "./plot.js";
import { runColor } from "./colors.js";
import { helpButton } from "./help.js";
import { exportButtons, tracesCsv } from "./exporter.js";

const MAX_POINTS = 5000;

/** createLossChart(el) -> {addPoints(points), reset(runId), addOverlay(id, label, points, color), removeOverlay(id), relabel()} */
export function createLossChart(el) {
  const plotEl = h("div", { class: "chart", testid: "loss-chart" });
  const log = h("input", { type: "checkbox", testid: "loss-log-toggle" });
  const count = h("span", { class: "sr-only", testid: "loss-point-count" }, "0");
  el.append(h("div", { class: "chart-head" },
    h("h3", {}, h("span", { i18n: "chart.loss" }, t("chart.loss")), helpButton("help.chart.loss", "help-loss")),
    h("label", { class: "toggle" }, log, h("span", { i18n: "chart.log_scale" }, t("chart.log_scale"))), count,
    exportButtons(plotEl, "loss", () => tracesCsv(plotEl.data, "step", "loss"))), plotEl);

  let queue = [];
  let total = 0;
  let color = runColor(0);
  const overlays = []; // ids in trace order after trace 0
  // Empty charts get a tidy fixed range; the axes switch to autorange with the first points.
  const layout = () => baseLayout({
    xaxis: { title: { text: t("chart.step") }, gridcolor: "#eceff1", range: [0, 100], autorange: false },
    yaxis: { type: log.checked ? "log" : "linear", gridcolor: "#eceff1", title: { text: t("chart.loss_axis") }, range: log.checked ? [-1, 0.5] : [0, 2.5], autorange: false },
  });
  let ranged = false;
  const current = () => ({ x: [], y: [], mode: "lines", name: t("chart.this_run"), line: { color, width: 1.5 } });
  Plotly.newPlot(plotEl, [current()], layout(), PLOT_CONFIG);

  const flush = frameBatcher(() => {
    if (!queue.length) return;
    const xs = queue.map((p) => p[0]);
    const ys = queue.map((p) => p[1]);
    queue = [];
    Plotly.extendTraces(plotEl, { x: [xs], y: [ys] }, [0], MAX_POINTS);
    if (!ranged) {
      ranged = true;
      Plotly.relayout(plotEl, { "xaxis.autorange": true, "yaxis.autorange": true });
    }
    count.textContent = String(total);
  });

  log.addEventListener("change", () => {
    const type = log.checked ? "log" : "linear";
    Plotly.relayout(plotEl, ranged ? { "yaxis.type": type, "yaxis.autorange": true }
      : { "yaxis.type": type, "yaxis.range": log.checked ? [-1, 0.5] : [0, 2.5] });
  });

  return {
    addPoints(points) {
      const ok = points.filter((p) => Number.isFinite(p[1]));
      queue.push(...ok);
      total += ok.length;
      flush();
    },
    reset(runId) {
      queue = [];
      total = 0;
      if (runId != null) color = runColor(runId);
      count.textContent = "0";
      ranged = plotEl.data.length > 1; // overlays already give the axes something to fit
      const l = layout();
      if (ranged) l.xaxis.autorange = l.yaxis.autorange = true; // else the first flush does it
      Plotly.react(plotEl, [current(), ...plotEl.data.slice(1)], l, PLOT_CONFIG);
    },
    addOverlay(id, label, points, lineColor) {
      if (overlays.includes(id)) return;
      overlays.push(id);
      const step = Math.max(1, Math.ceil(points.length / MAX_POINTS));
      const pts = points.filter((_, i) => i % step === 0);
      if (!ranged) {
        ranged = true;
        Plotly.relayout(plotEl, { "xaxis.autorange": true, "yaxis.autorange": true });
      }
      Plotly.addTraces(plotEl, { x: pts.map((p) => p[0]), y: pts.map((p) => p[1]), mode: pts.length > 1 ? "lines" : "markers", name: label, opacity: 0.7, line: { width: 1, color: lineColor } });
    },
    removeOverlay(id) {
      const i = overlays.indexOf(id);
      if (i < 0) return;
      overlays.splice(i, 1);
      Plotly.deleteTraces(plotEl, i + 1);
    },
    relabel() {
      Plotly.relayout(plotEl, { "xaxis.title.text": t("chart.step"), "yaxis.title.text": t("chart.loss_axis") });
      Plotly.restyle(plotEl, { name: t("chart.this_run") }, [0]);
    },
  };
}
