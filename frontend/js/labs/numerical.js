// Lab: numerical differentiation and gradient descent (ch. 4 §4.3-4.4).
import { h } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, compute, fmt, frame, jobControls, numberField, say, sayInto } from "./common.js";

export const lab = {
  id: "numerical",
  chapter: "4",
  title: { ja: "数値微分と勾配法", en: "Numerical differentiation and gradient descent" },
  summary: { ja: "中心差分と前方差分の誤差、x0²+x1² の勾配と、学習率による勾配降下法の違いを見ます。",
    en: "Central vs forward differences, the gradient of x0² + x1², and gradient descent with three learning rates." },
  book: { ja: "f'(5) ≈ 0.1999999999990898、f'(10) ≈ 0.2999999999986347、η=0.1 で (−6.1e-10, 8.1e-10)、" +
    "η=10 で (−2.58e13, −1.29e12)、η=1e-10 で (−2.99999994, 3.99999992)",
  en: "f'(5) ≈ 0.1999999999990898, f'(10) ≈ 0.2999999999986347, lr 0.1 ends at (−6.1e-10, 8.1e-10), " +
    "lr 10 at (−2.58e13, −1.29e12), lr 1e-10 at (−2.99999994, 3.99999992)" },
  mount,
};

const SERIES = {
  central_float64: ["中心差分 float64", "central, float64", "#1f77b4", "solid"],
  forward_float64: ["前方差分 float64", "forward, float64", "#ff7f0e", "solid"],
  central_float32: ["中心差分 float32", "central, float32", "#1f77b4", "dot"],
  forward_float32: ["前方差分 float32", "forward, float32", "#ff7f0e", "dot"],
};
const PATH_COLORS = ["#7f7f7f", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

function mount(el) {
  const ui = frame(el, lab, {
    ja: "4章の実験です。(a) f(x) = 0.01x² + 0.1x の微分を数値で求めます。前方差分 (f(x+h)−f(x))/h の誤差は h に比例し、" +
      "中心差分 (f(x+h)−f(x−h))/2h はずっと小さくなります。ただし h を小さくしすぎると丸め誤差が増えます。" +
      "h = 1e-50 は float32 では 0.0 になり（np.float32(1e-50)）、float64 でも x + h が x と同じになって微分は 0 です。" +
      "本では h = 1e-4 を使います。(b) f(x0, x1) = x0² + x1² の勾配にマイナスを付けたベクトル（図4-9）は最小値の方向を向きます。" +
      "(c) 勾配降下法（図4-10）：(−3, 4) から100回。学習率 0.1 で (0, 0) に近づき、10 では発散し、1e-10 ではほとんど動きません。",
    en: "Chapter 4. (a) The derivative of f(x) = 0.01x² + 0.1x, numerically. The forward difference " +
      "(f(x+h)−f(x))/h has an error proportional to h; the central difference (f(x+h)−f(x−h))/2h is " +
      "far better. Too small an h brings rounding error back: h = 1e-50 is 0.0 in float32 " +
      "(np.float32(1e-50)), and even in float64 x + h equals x, so the \"derivative\" is 0. The " +
      "book uses h = 1e-4. (b) Minus the gradient of f(x0, x1) = x0² + x1² (figure 4-9) points to " +
      "the minimum. (c) Gradient descent (figure 4-10) from (−3, 4), 100 steps: lr 0.1 reaches " +
      "(0, 0), lr 10 diverges, lr 1e-10 barely moves.",
  });
  const x = numberField("x", "x", 5, { step: 1, testid: "num-x", width: 5 });
  const lrs = [1e-10, 0.1, 10].map((v, i) => numberField(`η${i + 1}`, `lr ${i + 1}`, v,
    { min: 0, testid: `num-lr-${i}`, width: 6 }));
  const steps = numberField("繰り返し", "Steps", 100, { min: 1, max: 1000, step: 1, testid: "num-steps", width: 5 });
  const errEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-numerical" });
  const fieldEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-numerical-field" });
  const info = h("div", { class: "lab-mono", "data-testid": "num-info" });
  const finals = h("div", { class: "lab-mono", "data-testid": "num-finals" });
  let diff = null;
  let desc = null;
  const trainEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-numerical-train" });
  const trainInfo = h("div", { class: "lab-mono", "data-testid": "num-train-info" });
  let train = { numerical: [], backprop: [] };
  const ctl = jobControls(ui, "numerical_vs_backprop", {
    testid: "num-train",
    start() { train = { numerical: [], backprop: [] }; trainInfo.textContent = ""; drawTrain(); return {}; },
    progress(d) { train[d.method].push(d); drawTrain(); },
    result(r) {
      drawTrain();
      sayInto(trainInfo, (pick) => `${pick("1ステップ", "one step")}: ${pick("数値微分", "numerical")} ${fmt(r.seconds_per_step.numerical, 2)} s · ` +
        `${pick("誤差逆伝播法", "backprop")} ${fmt(1000 * r.seconds_per_step.backprop, 2)} ms · ${fmt(r.ratio, 0)}× ` +
        `(${r.parameters} ${pick("個のパラメータ", "parameters")}, ${pick("バッチ", "batch")} ${r.batch_size})`);
    },
  });
  ui.controls.append(x.label, button("微分", "Differentiate", () => loadDiff(), "num-diff"));
  ui.body.append(say("(a) 数値微分の誤差と h", "(a) Error of the numerical derivative against h", "h3"), info, errEl,
    say("(b, c) 勾配と勾配降下法", "(b, c) The gradient and gradient descent", "h3"),
    h("div", { class: "lab-controls" }, ...lrs.map((f) => f.label), steps.label,
      button("降下", "Descend", () => loadDescent(), "num-descend")), finals, fieldEl,
    say("(d) TwoLayerNet を数値微分と誤差逆伝播法で学習（4.5節）", "(d) TwoLayerNet trained with numerical gradients vs backprop (§4.5)", "h3"),
    say("784→50→10、100枚、バッチ10、同じ初期値と同じミニバッチで2ステップずつ。数値微分は重み1つにつき2回の順伝播が要ります。",
      "784→50→10, 100 images, batch 10, two steps each from the same weights on the same batches. The numerical gradient needs two forward passes per weight.", "p"),
    h("div", { class: "lab-controls" }, ctl.runBtn, ctl.stopBtn), trainInfo, trainEl);

  async function loadDiff() {
    const r = await compute(ui, "/numerical/diff", { x: x.value });
    if (r) { diff = r; drawDiff(); }
  }

  async function loadDescent() {
    const r = await compute(ui, "/numerical/descent", { lrs: lrs.map((f) => f.value), steps: steps.value });
    if (r) { desc = r; drawDescent(); }
  }

  function drawDiff() {
    if (!diff) return;
    sayInto(info, (pick) => [
      `f'(${diff.x}) = ${diff.exact} · ${pick("中心差分", "central")} (h = 1e-4): ${diff.central} · ` +
        `${pick("前方差分", "forward")}: ${diff.forward}`,
      `${pick("数値微分", "numerical_diff")} f'(5) = ${diff.at_5} · f'(10) = ${diff.at_10}`,
      `h = 1e-50: float32 → ${diff.trap.float32_h} · x + h == x: ${diff.trap.x_plus_h_equals_x} · ` +
        `${pick("微分", "derivative")} = ${diff.trap.derivative}`,
    ].join("\n"));
    // Errors of exactly 0 cannot sit on a log axis: they are drawn at 1e-17, below every real one.
    drawPlot(errEl, Object.entries(SERIES).map(([key, [ja, en, color, dash]]) => ({
      type: "scatter", mode: "lines+markers", x: diff.h, y: diff.errors[key].map((e) => Math.max(e, 1e-17)),
      name: pick(ja, en), line: { color, dash }, marker: { size: 4 } })), {
      height: 360, xaxis: { type: "log", title: { text: "h" }, autorange: "reversed", exponentformat: "power" },
      yaxis: { type: "log", title: { text: pick("誤差 |近似 − 真の値|", "error |approx − exact|") }, exponentformat: "power" },
    });
    ui.here(`f'(5) ≈ ${diff.at_5}, f'(10) ≈ ${diff.at_10}` + (desc ? `, ${finalText()}` : ""));
  }

  function finalText() {
    return desc.paths.map((p) => `η=${p.lr}: (${p.final.map((v) => v.toPrecision(3)).join(", ")})`).join(", ");
  }

  function drawDescent() {
    if (!desc) return;
    // Arrows of figure 4-9 as short segments (Plotly has no quiver): tail, head, gap.
    const f = desc.field;
    const ax = [];
    const ay = [];
    const scale = 0.05;
    for (let i = 0; i < f.x.length; i += 1) {
      ax.push(f.x[i], f.x[i] + scale * f.u[i], null);
      ay.push(f.y[i], f.y[i] + scale * f.v[i], null);
    }
    const data = [{ type: "scatter", mode: "lines", x: ax, y: ay, name: pick("−勾配", "−gradient"),
      line: { color: "#9aa0a6", width: 1 }, hoverinfo: "skip" }];
    desc.paths.forEach((p, i) => data.push({ type: "scatter", mode: "lines+markers",
      x: p.points.map((q) => q[0]), y: p.points.map((q) => q[1]), marker: { size: 4 },
      name: `η = ${p.lr}${p.diverged ? pick("（発散）", " (diverges)") : ""}`,
      line: { color: PATH_COLORS[i % PATH_COLORS.length] } }));
    drawPlot(fieldEl, data, { height: 460, xaxis: { title: { text: "x0" }, range: [-3.5, 3.5] },
      yaxis: { title: { text: "x1" }, range: [-4.5, 4.5], scaleanchor: "x" } });
    sayInto(finals, (pick) => desc.paths.map((p) => `η = ${p.lr}: ${pick("最後の点", "final point")} ` +
      `(${p.final.map((v) => v.toExponential(3)).join(", ")})${p.diverged ? pick(" — 発散（図の外）", " — diverged (off the chart)") : ""}`).join("\n"));
    drawDiff();
  }

  function drawTrain() {
    const names = { numerical: pick("数値微分", "numerical gradient"), backprop: pick("誤差逆伝播法", "backprop") };
    drawPlot(trainEl, Object.entries(train).map(([m, rows]) => ({ type: "bar", name: names[m],
      x: rows.map((d) => `${pick("ステップ", "step")} ${d.step}`), y: rows.map((d) => d.seconds),
      text: rows.map((d) => `loss ${d.loss.toFixed(4)}`), textposition: "outside" })), {
      height: 300, barmode: "group", yaxis: { type: "log", title: { text: pick("1ステップの秒数", "seconds per step") }, exponentformat: "power" },
    });
  }

  loadDiff();
  loadDescent();
  return { unmount() { ctl.close(); purgePlots(errEl, fieldEl, trainEl); ui.root.remove(); },
    relabel() { drawDiff(); drawDescent(); drawTrain(); } };
}
