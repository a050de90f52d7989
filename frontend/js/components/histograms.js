// Activation histograms per layer as small multiples (canvas bars: cheap to redraw every probe).
import { h, clear, frameBatcher } from "../dom.js";
import { t } from "../i18n.js";
import { helpButton } from "./help.js";

/** Accept {counts, edges}, {hist: {counts, edges}} or raw values and return {counts, lo, hi}. */
function toHist(layer) {
  const src = layer.hist || layer.histogram || layer;
  if (Array.isArray(src.counts)) {
    const edges = src.edges || src.bins || [0, 1];
    return { counts: src.counts, lo: edges[0], hi: edges[edges.length - 1] };
  }
  const vals = layer.values || [];
  if (!vals.length) return { counts: [], lo: 0, hi: 1 };
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (hi === lo) hi = lo + 1;
  const counts = new Array(30).fill(0);
  for (const v of vals) counts[Math.min(29, Math.floor(((v - lo) / (hi - lo)) * 30))]++;
  return { counts, lo, hi };
}

function drawBars(canvas, { counts }) {
  const ctx = canvas.getContext("2d");
  const { width: w, height: hgt } = canvas;
  ctx.clearRect(0, 0, w, hgt);
  const max = Math.max(1, ...counts);
  const bw = w / Math.max(1, counts.length);
  ctx.fillStyle = "#1a73e8";
  counts.forEach((c, i) => {
    const bh = (c / max) * (hgt - 2);
    ctx.fillRect(i * bw + 0.5, hgt - bh, Math.max(1, bw - 1), bh);
  });
}

/** createHistograms(el) -> {update(data), reset()} */
export function createHistograms(el) {
  const grid = h("div", { class: "hist-grid", testid: "activation-histograms" });
  const empty = h("p", { class: "muted", i18n: "hist.empty" }, t("hist.empty"));
  el.append(h("div", { class: "chart-head" }, h("h3", {}, h("span", { i18n: "hist.title" }, t("hist.title")), helpButton("help.chart.hist", "help-hist"))), empty, grid);
  const cells = new Map();
  let pending = null;

  const draw = frameBatcher(() => {
    const layers = pending?.layers || [];
    pending = null;
    empty.hidden = layers.length > 0;
    for (const layer of layers) {
      const key = layer.index;
      let cell = cells.get(key);
      if (!cell) {
        const canvas = h("canvas", { width: 140, height: 56 });
        const range = h("div", { class: "hist-range" });
        const typeKey = `layer.${layer.type}`;
        cell = { canvas, range, el: h("figure", { class: "hist-cell", testid: `hist-${key}` },
          h("figcaption", {}, `${key}: `, h("span", { i18n: typeKey }, t(typeKey))), canvas, range) };
        cells.set(key, cell);
        grid.append(cell.el);
      }
      const hist = toHist(layer);
      drawBars(cell.canvas, hist);
      cell.range.textContent = `${Number(hist.lo).toPrecision(2)} … ${Number(hist.hi).toPrecision(2)}`;
    }
  });

  return {
    update(data) {
      pending = data;
      draw();
    },
    reset() {
      cells.clear();
      clear(grid);
      empty.hidden = false;
    },
  };
}
