// Lab: initial weight values (ch. 6 §6.2): activation histograms and the MNIST comparison.
import { h, frameBatcher } from "../dom.js";
import { pick } from "../i18n.js";
import { api } from "../api.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { both, frame, jobControls, numberField, say, selectField, showError, showStatus } from "./common.js";

const INITS = ["std1", "std0.01", "xavier", "he"];
const INIT_NAMES = { std1: "std = 1", "std0.01": "std = 0.01", xavier: "Xavier", he: "He" };
const INIT_COLORS = { std1: "#7f7f7f", "std0.01": "#1f77b4", xavier: "#ff7f0e", he: "#2ca02c" };

export const lab = {
  id: "weight_init",
  chapter: "6.2",
  title: { ja: "重みの初期値", en: "Initial weight values" },
  summary: { ja: "初期値によってアクティベーションの分布と学習の進み方がどう変わるかを見ます。",
    en: "How the initial weights shape the activations and whether a network learns at all." },
  book: { ja: "std=1 のシグモイドは0と1に偏り、std=0.01 は0.5付近に集中、ReLUではHeの初期値が各層で同じ広がり（図6-10〜6-14）。MNISTでは std=0.01 は損失2.30のまま（図6-15）",
    en: "std 1 sigmoid piles up at 0 and 1, std 0.01 crowds 0.5, He keeps ReLU's spread in every layer (figures 6-10 to 6-14); on MNIST std 0.01 stays at loss 2.30 (figure 6-15)" },
  mount,
};

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "6.2節の実験です。(a) 標準正規分布の1000個の入力を、100ニューロン×5層に通したときの" +
      "各層のアクティベーション分布（weight_init_activation_histogram.py）。標準偏差1では" +
      "シグモイドの出力が0と1に偏り（勾配消失）、0.01では0.5付近に集まり表現力が制限されます。" +
      "Xavierの初期値はシグモイドやtanhで、Heの初期値はReLUで広がりを保ちます。" +
      "ReLUは本と同じく (0, 1] の値だけを30本の棒に数え、ちょうど0の値（約半分）と1を超える値の割合は各図の右上に書きます。" +
      "(b) MNISTでの比較（weight_init_compare.py）：標準偏差0.01では損失が2.30のまま学習が進みません。",
    en: "§6.2. (a) 1,000 standard-normal inputs through 5 layers of 100 units: the " +
      "distribution of each layer's activations (weight_init_activation_histogram.py). With " +
      "std 1 sigmoid outputs pile up at 0 and 1 (vanishing gradients); with std 0.01 they " +
      "crowd around 0.5 (little expressive power). Xavier keeps the spread for sigmoid/tanh, He " +
      "for ReLU. As in the book, ReLU's bars count only values in (0, 1]; the share of exact " +
      "zeros (about half) and of values above 1 is written in each panel's corner. (b) On MNIST (weight_init_compare.py) std 0.01 stays at loss 2.30 — no learning.",
  });
  const act = selectField("活性化関数", "Activation", [["sigmoid", "シグモイド", "sigmoid"],
    ["tanh", "tanh"], ["relu", "ReLU"]], "sigmoid", "winit-activation");
  const histEl = h("div", { class: "lab-plot lab-plot-tall", "data-testid": "lab-plot-weight_init" });
  const iters = numberField("繰り返し回数", "Iterations", 300, { min: 1, max: 5000, step: 1,
    testid: "winit-iterations" });
  const lossEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-weight_init-mnist" });
  let hist = null;
  const curves = {};
  const redraw = frameBatcher(drawLoss);
  const ctl = jobControls(ui, "weight_init_compare", {
    testid: "winit",
    start() {
      for (const n of ["std0.01", "xavier", "he"]) curves[n] = { x: [], y: [] };
      drawLoss();
      return { iterations: iters.value };
    },
    progress(d) {
      if (!d.loss) return;
      for (const [n, v] of Object.entries(d.loss)) { curves[n].x.push(d.iteration); curves[n].y.push(v); }
      redraw();
    },
    result(r) {
      drawLoss();
      ui.here(both((pick) => Object.entries(r.final_loss).map(([n, v]) => `${INIT_NAMES[n]} ${pick("損失", "loss")} ${v.toFixed(2)}`).join(", ")));
    },
  });
  ui.controls.append(act.label);
  ui.body.append(say("(a) アクティベーション分布（行：初期値、列：層）",
    "(a) Activation histograms (rows: init, columns: layer)", "h3"), histEl,
  say("(b) MNISTでの比較（784→100×4→10, SGD η=0.01, バッチ128）",
    "(b) MNIST comparison (784→100×4→10, SGD lr 0.01, batch 128)", "h3"),
  h("div", { class: "lab-controls" }, iters.label, ctl.runBtn, ctl.stopBtn), lossEl);
  act.select.addEventListener("change", drawHist);

  function drawHist() {
    if (!hist) return;
    const a = act.select.value;
    const edges = hist.edges[a];
    const centers = edges.slice(0, -1).map((e, i) => (e + edges[i + 1]) / 2);
    const panels = hist.panels.filter((p) => p.activation === a);
    const data = [];
    const annotations = [];
    panels.forEach((p, r) => p.layers.forEach((layer, c) => {
      const k = r * p.layers.length + c + 1;
      data.push({ type: "bar", x: centers, y: layer.counts, marker: { color: INIT_COLORS[p.init] },
        xaxis: `x${k}`, yaxis: `y${k}`, showlegend: false,
        hovertemplate: `${INIT_NAMES[p.init]} · ${pick("層", "layer")} ${c + 1}: %{y}<extra></extra>` });
      if (a === "relu") {
        // As the book, only values in (0, 1] are binned; the exact zeros (about half) and the
        // values above 1 are not bars, so their shares are written on each panel.
        annotations.push({ text: `0: ${Math.round(100 * layer.zeros)}%` +
          (layer.outside > 0.005 ? ` · >1: ${Math.round(100 * layer.outside)}%` : ""),
        xref: `x${k} domain`, yref: `y${k} domain`, x: 1, y: 1, xanchor: "right", yanchor: "top",
        showarrow: false, font: { size: 9, color: "#5f6368" } });
      }
      if (r === 0) annotations.push({ text: `${c + 1}-layer`, xref: `x${k} domain`, yref: `y${k} domain`,
        x: 0.5, y: 1.18, showarrow: false });
      if (c === 0) annotations.push({ text: `<b>${INIT_NAMES[p.init]}</b>`, xref: "paper",
        yref: `y${k} domain`, x: -0.075, y: 0.5, xanchor: "center", textangle: -90,
        showarrow: false, font: { color: INIT_COLORS[p.init] } });
    }));
    drawPlot(histEl, data, {
      grid: { rows: panels.length, columns: panels[0].layers.length, pattern: "independent",
        xgap: 0.08, ygap: 0.25 },
      annotations, height: 140 * panels.length + 60, bargap: 0.05,
      margin: { l: 90, r: 10, t: 30, b: 30 },
    });
  }

  function drawLoss() {
    const colors = INIT_COLORS;
    drawPlot(lossEl, Object.entries(curves).map(([n, c]) => ({ type: "scatter", mode: "lines+markers",
      marker: { size: 3 },
      name: INIT_NAMES[n], x: c.x, y: c.y, line: { color: colors[n] } })), {
      xaxis: { title: { text: pick("繰り返し回数", "iterations") }, range: [0, iters.value] },
      yaxis: { title: { text: pick("損失", "loss") }, rangemode: "tozero" }, height: 340,
    });
  }

  (async () => {
    showStatus(ui.status, "計算中…", "Computing…");
    try {
      const t0 = performance.now();
      hist = await api.lab("/weight-init/histograms", {});
      drawHist();
      showStatus(ui.status, `完了（${Math.round(performance.now() - t0)} ms）`,
        `Done (${Math.round(performance.now() - t0)} ms)`);
    } catch (err) { showError(ui.status, err); }
  })();
  drawLoss();
  return { unmount() { ctl.close(); purgePlots(histEl, lossEl); ui.root.remove(); },
    relabel() { drawHist(); drawLoss(); } };
}
