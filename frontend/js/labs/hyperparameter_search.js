// Lab: random search for the learning rate and weight decay (ch. 6 §6.5).
import { h, frameBatcher } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, fmt, frame, jobControls, numberField, both } from "./common.js";

export const lab = {
  id: "hyperparameter_search",
  chapter: "6.5",
  title: { ja: "ハイパーパラメータの最適化", en: "Hyperparameter search" },
  summary: { ja: "学習係数とWeight decayをランダムに探索し、検証データの認識精度で比べます。",
    en: "Random search over learning rate and weight decay, scored on validation data." },
  book: { ja: "検証データの認識精度は最高 0.84 前後、良い範囲は学習係数 0.001〜0.01、Weight decay 1e-8〜1e-6 程度",
    en: "best validation accuracy about 0.84; good ranges lr 0.001 to 0.01, weight decay 1e-8 to 1e-6" },
  mount,
};

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "6.5節（hyperparameter_optimization.py）の実験です。訓練データ500枚のうち20%を検証データとして" +
      "取り分け（テストデータは使いません）、学習係数を 10^U(−6, −2)、Weight decay を 10^U(−8, −4) " +
      "の範囲からランダムに選んで学習します。散布図の色は検証データの認識精度、下のグラフは上位5つの" +
      "学習の推移（実線：検証、破線：訓練）です。良い値の範囲が見えたら、範囲を狭めて繰り返します。",
    en: "§6.5 (hyperparameter_optimization.py): 20% of the 500 training images is held out as " +
      "validation data (the test data is never used). Learning rate from 10^U(−6, −2) and " +
      "weight decay from 10^U(−8, −4), chosen at random. The scatter is coloured by validation " +
      "accuracy; below, the best five runs (solid: validation, dashed: training). Narrow the " +
      "ranges around the good region and search again.",
  });
  const trials = numberField("試行回数", "Trials", 20, { min: 1, max: 200, step: 1, testid: "hp-trials" });
  const epochs = numberField("エポック数", "Epochs", 50, { min: 1, max: 200, step: 1, testid: "hp-epochs" });
  const lrLo = numberField("学習係数 10^", "lr from 10^", -6, { testid: "hp-lr-lo", width: 4 });
  const lrHi = numberField("〜 10^", "to 10^", -2, { testid: "hp-lr-hi", width: 4 });
  const wdLo = numberField("Weight decay 10^", "Weight decay from 10^", -8, { testid: "hp-wd-lo", width: 4 });
  const wdHi = numberField("〜 10^", "to 10^", -4, { testid: "hp-wd-hi", width: 4 });
  const scatterEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-hyperparameter_search" });
  const curvesEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-hyperparameter_search-curves" });
  const best = h("ol", { class: "lab-mono" });
  let results = [];
  let running = null; // the trial under way: a hollow marker and a grey curve
  const redraw = frameBatcher(draw);
  const ctl = jobControls(ui, "hyperparameter_search", {
    testid: "hp",
    start() {
      results = [];
      running = null;
      draw();
      return { trials: trials.value, epochs: epochs.value, lr_exp: [lrLo.value, lrHi.value],
        wd_exp: [wdLo.value, wdHi.value] };
    },
    progress(d) {
      if (d.trial) { results.push(d.trial); running = null; redraw(); }
      if (d.running) { running = d.running; redraw(); }
    },
    result() {
      draw();
      const top = [...results].sort((a, b) => b.val_acc - a.val_acc)[0];
      if (top) ui.here(both((pick) => `${pick("最高の検証精度", "best val acc")} ${fmt(top.val_acc)} (${pick("学習係数", "lr")} ${top.lr.toExponential(1)}, ${pick("Weight decay", "weight decay")} ${top.weight_decay.toExponential(1)})`));
    },
  });
  ui.controls.append(trials.label, epochs.label, lrLo.label, lrHi.label, wdLo.label, wdHi.label,
    ctl.runBtn, ctl.stopBtn, button("本の設定（100回）", "Book's setting (100 trials)", () => {
      trials.input.value = 100; epochs.input.value = 50; ctl.go();
    }, "hp-book"));
  ui.body.append(h("div", { class: "lab-row" }, scatterEl, curvesEl), best);

  function draw() {
    drawPlot(scatterEl, [{ type: "scatter", mode: "markers", x: results.map((r) => r.lr),
      y: results.map((r) => r.weight_decay), text: results.map((r) => pick(`検証精度 ${fmt(r.val_acc)}`, `val acc ${fmt(r.val_acc)}`)),
      marker: { size: 10, color: results.map((r) => r.val_acc), colorscale: "Viridis", cmin: 0,
        cmax: 1, showscale: true, colorbar: { title: { text: pick("検証精度", "val acc") } } }, name: pick("試行", "trials") },
    { type: "scatter", mode: "markers", x: running ? [running.lr] : [], y: running ? [running.weight_decay] : [],
      marker: { size: 12, symbol: "circle-open", color: "#555" }, name: pick("実行中", "running"),
      hovertext: pick("実行中の試行", "trial under way") }], {
      showlegend: false,
      title: { text: pick("試行（色：検証データの認識精度）", "Trials (colour: validation accuracy)") },
      // One notation on both log axes (powers of ten), not SI prefixes mixed with decimals.
      xaxis: { type: "log", title: { text: pick("学習係数", "learning rate") }, exponentformat: "power", dtick: 1 },
      yaxis: { type: "log", title: { text: pick("Weight decay（荷重減衰）", "weight decay") }, exponentformat: "power", dtick: 1 }, height: 360, width: 520,
    });
    const top = [...results].sort((a, b) => b.val_acc - a.val_acc).slice(0, 5);
    const colors = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#9467bd"];
    const data = [];
    top.forEach((r, i) => {
      const x = r.val_curve.map((_, e) => e);
      data.push({ type: "scatter", mode: "lines", x, y: r.val_curve, name: pick(`#${i + 1} 検証`, `#${i + 1} val`),
        line: { color: colors[i] } });
      data.push({ type: "scatter", mode: "lines", x, y: r.train_curve, name: pick(`#${i + 1} 訓練`, `#${i + 1} train`),
        line: { color: colors[i], dash: "dash" }, showlegend: false });
    });
    if (running) data.push({ type: "scatter", mode: "lines+markers", x: running.val_curve.map((_, e) => e),
      y: running.val_curve, name: pick("実行中（検証）", "running (val)"), line: { color: "#999" } });
    drawPlot(curvesEl, data, { title: { text: pick("上位5つ", "Best five") }, height: 360, width: 520,
      xaxis: { title: { text: pick("エポック", "epochs") }, range: [0, epochs.value] },
      yaxis: { range: [0, 1] } });
    best.replaceChildren(...top.map((r) => h("li", {},
      pick(`検証精度 ${fmt(r.val_acc)} · 学習係数 ${r.lr.toExponential(2)} · Weight decay ${r.weight_decay.toExponential(2)}`,
        `val acc ${fmt(r.val_acc)} · lr ${r.lr.toExponential(2)} · weight decay ${r.weight_decay.toExponential(2)}`))));
  }
  ctl.go();
  return { unmount() { ctl.close(); purgePlots(scatterEl, curvesEl); ui.root.remove(); }, relabel: draw };
}
