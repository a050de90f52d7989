// Lab: two experiments from Nielsen's book: the learning slowdown of the quadratic cost
// (ch. 3) and universal approximation with sigmoid units (ch. 4).
import { h, frameBatcher } from "../dom.js";
import { pick } from "../i18n.js";
import { api } from "../api.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, fmt, frame, jobControls, numberField, say, selectField, showError, showStatus, sayInto } from "./common.js";

export const lab = {
  id: "nielsen",
  chapter: "Nielsen 3, 4",
  title: { ja: "Nielsen：交差エントロピーと万能近似", en: "Nielsen: cross-entropy and universal approximation" },
  summary: { ja: "飽和したニューロンの学習の遅れと、シグモイドによる関数の近似を見ます。",
    en: "The slowdown of a saturated neuron, and fitting a function with sigmoid units." },
  book: { ja: "2乗和誤差では飽和した出発点からしばらく学習が進まず、交差エントロピー誤差ではすぐに下がる（3章）",
    en: "with the quadratic cost a saturated start learns slowly at first; with cross-entropy it drops at once (ch. 3)" },
  mount,
};

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "Nielsen『Neural Networks and Deep Learning』より。(a) 3章：入力1・正解0のシグモイドニューロンを " +
      "w=2, b=2（出力≈0.98、飽和）から η=0.15 で学習します。2乗和誤差では勾配にシグモイドの微分 σ'(z) " +
      "が掛かるため、飽和した状態では学習が遅れます。交差エントロピー誤差ではこの項が消え、誤差が大きいほど" +
      "速く学習します。(b) 4章：隠れ層1つのシグモイドのニューロンを増やすと、どんな連続関数でも近似できます（万能近似定理）。",
    en: "From Nielsen's Neural Networks and Deep Learning. (a) Ch. 3: one sigmoid neuron, " +
      "input 1, target 0, started saturated at w = 2, b = 2 (output ≈ 0.98), η = 0.15. With " +
      "the quadratic cost the gradient carries σ'(z), tiny when saturated, so learning starts " +
      "slowly; with cross-entropy that factor cancels and a bigger error means faster learning. " +
      "(b) Ch. 4: with enough sigmoid units in one hidden layer a network can approximate any " +
      "continuous function (universal approximation).",
  });
  const w = numberField("w", "w", 2, { step: 0.1, testid: "ni-w", width: 4 });
  const b = numberField("b", "b", 2, { step: 0.1, testid: "ni-b", width: 4 });
  const lr = numberField("学習係数 η", "Learning rate η", 0.15, { min: 0, testid: "ni-lr", width: 5 });
  const epochs = numberField("エポック数", "Epochs", 300, { min: 1, max: 2000, step: 1, testid: "ni-epochs" });
  const costEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-nielsen" });
  ui.controls.append(w.label, b.label, lr.label, epochs.label, button("実行", "Run", () => runCost(), "ni-run"));
  let cost = null;

  const target = selectField("関数", "Function", [["sine", "sin", "sine"], ["nielsen", "Nielsen 4章の例", "Nielsen's ch. 4 example"],
    ["step", "ステップ", "step"], ["bump", "こぶ", "bump"]], "sine", "ni-target");
  const units = numberField("隠れニューロン数 N", "Hidden units N", 10, { min: 1, max: 200, step: 1, testid: "ni-units", width: 4 });
  const iters = numberField("繰り返し回数", "Iterations", 3000, { min: 1, max: 20000, step: 1, testid: "ni-iters" });
  const fitEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-nielsen-fit" });
  const fitInfo = h("div", { class: "lab-mono" });
  let fit = null;
  const redraw = frameBatcher(drawFit);
  const ctl = jobControls(ui, "universal_approximation", {
    testid: "ni-fit",
    start() { fit = null; return { target: target.select.value, hidden: units.value, iterations: iters.value }; },
    progress(d) {
      if (d.target) fit = { x: d.x, target: d.target, fit: null };
      else if (fit) {
        fit.fit = d.fit;
        sayInto(fitInfo, (p) => `${p("繰り返し", "iteration")} ${d.iteration} · ${p("損失", "loss")} ${fmt(d.loss, 5)}`);
        redraw();
      }
    },
    result() { drawFit(); },
  });
  ui.body.append(say("(a) 2乗和誤差 vs 交差エントロピー誤差", "(a) Quadratic vs cross-entropy cost", "h3"), costEl,
    say("(b) 万能近似：隠れ層1つ・シグモイド", "(b) Universal approximation: one hidden sigmoid layer", "h3"),
    h("div", { class: "lab-controls" }, target.label, units.label, iters.label, ctl.runBtn, ctl.stopBtn),
    fitInfo, fitEl);

  async function runCost() {
    showStatus(ui.status, "計算中…", "Computing…");
    try {
      const t0 = performance.now();
      cost = await api.lab("/nielsen/cost", { w: w.value, b: b.value, lr: lr.value, epochs: epochs.value });
      drawCost();
      const ms = Math.round(performance.now() - t0);
      showStatus(ui.status, `完了（${ms} ms）`, `Done (${ms} ms)`);
    } catch (err) { showError(ui.status, err); }
  }

  function drawCost() {
    if (!cost) return;
    const x = cost.quadratic.cost.map((_, i) => i);
    // Each cost on its own axis (at the start the quadratic is 0.48, cross-entropy 4.0: on a
    // shared axis the quadratic looked flat), the outputs a in a panel of their own below.
    drawPlot(costEl, [
      { type: "scatter", mode: "lines", x, y: cost.quadratic.cost, name: pick("2乗和誤差（左の軸）", "quadratic cost (left axis)"), line: { color: "#1f77b4" } },
      { type: "scatter", mode: "lines", x, y: cost.cross_entropy.cost, name: pick("交差エントロピー誤差（右の軸）", "cross-entropy cost (right axis)"), line: { color: "#d62728" }, yaxis: "y2" },
      { type: "scatter", mode: "lines", x, y: cost.quadratic.output, name: pick("出力 a（2乗和）", "output a (quadratic)"), line: { color: "#1f77b4", dash: "dot" }, xaxis: "x2", yaxis: "y3" },
      { type: "scatter", mode: "lines", x, y: cost.cross_entropy.output, name: pick("出力 a（交差エントロピー）", "output a (cross-entropy)"), line: { color: "#d62728", dash: "dot" }, xaxis: "x2", yaxis: "y3" },
    ], { xaxis: { anchor: "y", domain: [0, 1] }, yaxis: { domain: [0.45, 1], title: { text: pick("2乗和誤差", "quadratic") }, rangemode: "tozero", color: "#1f77b4" },
      yaxis2: { overlaying: "y", side: "right", rangemode: "tozero", title: { text: pick("交差エントロピー", "cross-entropy") }, color: "#d62728" },
      xaxis2: { anchor: "y3", domain: [0, 1], title: { text: pick("エポック", "epoch") } },
      yaxis3: { domain: [0, 0.33], range: [0, 1], title: { text: pick("出力 a", "output a") } }, height: 460,
      margin: { l: 56, r: 60, t: 40, b: 40 } });
    const q = cost.quadratic.output;
    const c = cost.cross_entropy.output;
    const below = (arr) => arr.findIndex((v) => v < 0.5);
    ui.here({ ja: `出力が0.5を切るまで：2乗和 ${below(q)} エポック、交差エントロピー ${below(c)} エポック`, en: `epochs until the output drops below 0.5: quadratic ${below(q)}, cross-entropy ${below(c)}` });
  }

  function drawFit() {
    if (!fit) return;
    const data = [{ type: "scatter", mode: "lines", x: fit.x, y: fit.target, name: pick("目標", "target"), line: { color: "#444", width: 3 } }];
    if (fit.fit) data.push({ type: "scatter", mode: "lines", x: fit.x, y: fit.fit, name: pick("ネットワーク", "network"), line: { color: "#d62728" } });
    drawPlot(fitEl, data, { height: 340, xaxis: { title: { text: "x" } }, yaxis: { title: { text: "f(x)" } } });
  }
  runCost();
  ctl.go(); // cheap (one small net on 200 points): show the fit growing right away
  return { unmount() { ctl.close(); purgePlots(costEl, fitEl); ui.root.remove(); },
    relabel() { drawCost(); drawFit(); } };
}
