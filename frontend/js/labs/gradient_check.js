// Lab: gradient check (ch. 5 §5.7): numerical vs backprop gradients per parameter.
import { h } from "../dom.js";
import { pick } from "../i18n.js";
import { api } from "../api.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, frame, selectField, showError, showStatus } from "./common.js";

export const lab = {
  id: "gradient_check",
  chapter: "5.7",
  title: { ja: "勾配確認", en: "Gradient check" },
  summary: { ja: "誤差逆伝播法で求めた勾配を、数値微分の勾配と比べます。",
    en: "Compare backprop gradients with numerical (central-difference) gradients." },
  book: { ja: "誤差逆伝播法と数値微分の勾配の差はごく小さい（1e-10 程度以下）",
    en: "backprop and numerical gradients differ by tiny amounts (around 1e-10 or less)" },
  mount,
};

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "5.7節の勾配確認（gradient check）です。数値微分は実装が簡単で間違えにくい一方、" +
      "重み1つごとに順伝播を2回行うので遅く、誤差逆伝播法は速いが実装を間違えやすい。そこで両者の結果を" +
      "比べ、差がほぼ0（ここでは float64 で相対誤差 1e-6 未満）であることを確かめます。棒はパラメータ" +
      "ごとの相対誤差（対数目盛）です。",
    en: "The gradient check of §5.7. Numerical differentiation is simple and hard to get " +
      "wrong but needs two forward passes per weight; backprop is fast but easy to get wrong. " +
      "So we compare them and check the difference is almost zero (here: relative error below " +
      "1e-6 in float64). Bars: relative error per parameter (log scale).",
  });
  const model = selectField("モデル", "Model", [["two_layer_net", "TwoLayerNet（小）", "TwoLayerNet (small)"],
    ["tiny_cnn", "小さなCNN", "Tiny CNN"], ["bn_mlp", "Batch Norm + sigmoid/tanh", "BatchNorm + sigmoid/tanh"]],
  "two_layer_net", "gc-model");
  const plotEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-gradient_check" });
  const summary = h("pre", { class: "lab-mono lab-summary" });
  let last = null;
  ui.controls.append(model.label, button("確認", "Check", () => run(), "gc-run"));
  model.select.addEventListener("change", () => run());
  ui.body.append(plotEl, summary);

  async function run() {
    showStatus(ui.status, "計算中…", "Computing…");
    try {
      const t0 = performance.now();
      last = await api.lab("/gradient-check", { model: model.select.value });
      draw();
      const worst = Math.max(...last.params.map((p) => p.relative_error));
      ui.here({ ja: `最大の相対誤差 ${worst.toExponential(1)}`, en: `largest relative error ${worst.toExponential(1)}` });
      const ms = Math.round(performance.now() - t0);
      showStatus(ui.status, last.all_ok ? `一致しました（${ms} ms）` : `差があります（${ms} ms）`,
        last.all_ok ? `Gradients agree (${ms} ms)` : `Gradients differ (${ms} ms)`);
    } catch (err) { showError(ui.status, err); }
  }

  function draw() {
    if (!last) return;
    const rows = last.params;
    drawPlot(plotEl, [{ type: "bar", x: rows.map((r) => r.name),
      y: rows.map((r) => Math.max(r.relative_error, 1e-16)),
      marker: { color: rows.map((r) => (r.ok ? "#2ca02c" : "#d62728")) },
      text: rows.map((r) => r.relative_error.toExponential(1)), textposition: "outside",
      hovertemplate: "%{x}: %{y:.2e}<extra></extra>" },
    { type: "scatter", mode: "lines", x: [rows[0].name, rows.at(-1).name],
      y: [last.tolerance, last.tolerance], line: { dash: "dash", color: "#888" },
      name: pick("許容誤差", "tolerance") }], {
      yaxis: { type: "log", title: { text: pick("相対誤差", "relative error") }, range: [-16, 0] },
      height: 360, showlegend: false,
    });
    summary.textContent = last.summary;
  }
  run();
  return { unmount() { purgePlots(plotEl); ui.root.remove(); }, relabel: draw };
}
