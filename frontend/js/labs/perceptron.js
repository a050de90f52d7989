// Lab: perceptrons (ch. 2) and decision boundaries of an MLP on 2-D toy sets.
import { h, frameBatcher } from "../dom.js";
import { pick } from "../i18n.js";
import { api } from "../api.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, fmt, frame, jobControls, numberField, say, selectField, showError, sayInto } from "./common.js";

export const lab = {
  id: "perceptron",
  chapter: "2",
  title: { ja: "パーセプトロンと決定境界", en: "Perceptrons and decision boundaries" },
  summary: { ja: "AND・NAND・OR を重みとバイアスで作り、XORを2層で実現します。",
    en: "Build AND, NAND and OR from weights and a bias; solve XOR with two layers." },
  book: { ja: "AND (0.5, 0.5, −0.7)、NAND (−0.5, −0.5, 0.7)、OR (0.5, 0.5, −0.2)。XOR は1層では作れず、2層で 0, 1, 1, 0",
    en: "AND (0.5, 0.5, −0.7), NAND (−0.5, −0.5, 0.7), OR (0.5, 0.5, −0.2); XOR needs two layers: 0, 1, 1, 0" },
  mount,
};

const GATES = { and: [0.5, 0.5, -0.7], nand: [-0.5, -0.5, 0.7], or: [0.5, 0.5, -0.2] };

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "2章のパーセプトロンです。y = 1（w1·x1 + w2·x2 + b > 0 のとき）、それ以外は 0。重み w1, w2 と" +
      "バイアス b を変えると直線（決定境界）が動き、AND・NAND・OR を表せます。XOR は1本の直線では" +
      "分けられない（線形分離不可能）ため、1つのパーセプトロンでは作れません。NAND と OR の出力を AND に" +
      "入れる2層のパーセプトロンで実現できます。下では多層ネットワークが2次元データを学習し、" +
      "決定境界が曲がっていく様子を見られます。",
    en: "The perceptron of chapter 2: y = 1 if w1·x1 + w2·x2 + b > 0, else 0. Changing the " +
      "weights and bias moves the line (the decision boundary) and gives AND, NAND or OR. XOR " +
      "cannot be split by one line (not linearly separable), so no single perceptron computes " +
      "it; two layers do (NAND and OR feeding AND). Below, a multi-layer network learns a 2-D " +
      "dataset and its decision boundary bends live.",
  });
  const w1 = numberField("w1", "w1", 0.5, { step: 0.1, testid: "pc-w1", width: 5 });
  const w2 = numberField("w2", "w2", 0.5, { step: 0.1, testid: "pc-w2", width: 5 });
  const b = numberField("b（バイアス）", "b (bias)", -0.7, { step: 0.1, testid: "pc-b", width: 5 });
  const gatePlot = h("div", { class: "lab-plot-small", "data-testid": "lab-plot-perceptron" });
  const verdict = h("div", { class: "lab-mono", "data-testid": "pc-verdict" });
  const xorBox = h("div", { class: "lab-mono", "data-testid": "pc-xor" });
  const presets = Object.entries(GATES).map(([n, [a, c, d]]) => button(n.toUpperCase(),
    n.toUpperCase(), () => { w1.input.value = a; w2.input.value = c; b.input.value = d; evalGate(); },
    `pc-gate-${n}`));
  // XOR: colour the four points by the XOR target instead of the perceptron's output; no
  // (w1, w2, b) puts the two red points on one side of the line and the blue ones on the other.
  let xorTarget = false;
  const xorBtn = button("XOR に挑戦", "Try XOR", () => { xorTarget = !xorTarget; evalGate(); }, "pc-xor-try");
  for (const btn of presets) btn.addEventListener("click", () => { xorTarget = false; });
  for (const f of [w1, w2, b]) f.input.addEventListener("input", () => evalGate());
  ui.controls.append(w1.label, w2.label, b.label, ...presets, xorBtn);

  // Decision boundaries of an MLP on toy data (a background job streaming the grid).
  const dataset = selectField("データ", "Data", [["xor", "XOR"], ["circle", "円", "circle"],
    ["gaussians", "ガウス分布", "gaussians"], ["spiral", "渦巻き", "spiral"],
    ["linear", "線形分離可能", "linear"]], "xor", "pc-dataset");
  const hidden = numberField("隠れ層のニューロン数", "Hidden units", 8, { min: 1, max: 64, step: 1,
    testid: "pc-hidden", width: 4 });
  const epochs = numberField("エポック数", "Epochs", 100, { min: 1, max: 2000, step: 1, testid: "pc-epochs" });
  const toyPlot = h("div", { class: "lab-plot-small", "data-testid": "lab-plot-perceptron-toy" });
  const toyInfo = h("div", { class: "lab-mono" });
  let toy = null;
  const redraw = frameBatcher(drawToy);
  const ctl = jobControls(ui, "toy_boundary", {
    testid: "pc-toy",
    start() {
      toy = null;
      return { dataset: dataset.select.value, hidden: [hidden.value, hidden.value],
        epochs: epochs.value, every: Math.max(1, Math.round(epochs.value / 40)) };
    },
    progress(d) {
      if (d.points) toy = { ...d, z: null };
      else if (toy) {
        toy.z = d.z;
        sayInto(toyInfo, (p) => `${p("エポック", "epoch")} ${d.epoch} · ${p("損失", "loss")} ${fmt(d.loss)} · ` +
          `${p("認識精度", "accuracy")} ${fmt(d.accuracy)}`);
        redraw();
      }
    },
    result() { drawToy(); },
  });
  ui.body.append(h("div", { class: "lab-row" }, gatePlot, h("div", {}, verdict,
    say("XOR を2層で：s1 = NAND(x1, x2), s2 = OR(x1, x2), y = AND(s1, s2)",
      "XOR with two layers: s1 = NAND(x1, x2), s2 = OR(x1, x2), y = AND(s1, s2)", "h3"), xorBox)),
  say("多層ネットワークの決定境界", "Decision boundary of a multi-layer network", "h3"),
  h("div", { class: "lab-controls" }, dataset.label, hidden.label, epochs.label, ctl.runBtn, ctl.stopBtn),
  toyInfo, toyPlot);

  async function evalGate() {
    try {
      const r = await api.lab("/perceptron/gate", { w1: w1.value, w2: w2.value, b: b.value });
      drawGate(r);
      const names = r.matches.map((m) => m.toUpperCase()).join(", ");
      verdict.replaceChildren(h("table", {}, h("tr", {}, h("th", {}, "x1"), h("th", {}, "x2"), h("th", {}, "y")),
        ...r.inputs.map((p, i) => h("tr", {}, h("td", {}, p[0]), h("td", {}, p[1]), h("td", {}, r.outputs[i])))),
      names ? say(`このパーセプトロンは ${names} です`, `This perceptron computes ${names}`, "p")
        : say("AND・NAND・OR のどれでもありません", "Not AND, NAND or OR", "p"),
      xorTarget ? say("点の色は XOR の正解です。どんな w1, w2, b でも、1本の直線では赤と青を分けられません" +
        "（線形分離不可能）。", "Points are coloured by the XOR target: no w1, w2, b puts one straight " +
        "line between red and blue (not linearly separable).", "p", { class: "lab-note" }) : "");
      ui.status.textContent = "";
      ui.here(`(${r.w1}, ${r.w2}, ${r.b}) → ${r.outputs.join(", ")}${names ? ` = ${names}` : ""}`);
    } catch (err) { showError(ui.status, err); }
  }

  function drawGate(r) {
    const colourBy = xorTarget ? [0, 1, 1, 0] : r.outputs;
    const xs = [-0.5, 1.5];
    const line = r.w2 !== 0 ? { x: xs, y: xs.map((x) => -(r.w1 * x + r.b) / r.w2) }
      : { x: [-r.b / (r.w1 || 1e-9), -r.b / (r.w1 || 1e-9)], y: [-0.5, 1.5] };
    drawPlot(gatePlot, [
      { type: "scatter", mode: "lines", x: line.x, y: line.y, name: "w1·x1 + w2·x2 + b = 0",
        line: { color: "#444" } },
      { type: "scatter", mode: "markers", x: r.inputs.map((p) => p[0]), y: r.inputs.map((p) => p[1]),
        marker: { size: 16, symbol: colourBy.map((o) => (o ? "circle" : "x")),
          color: colourBy.map((o) => (o ? "#d62728" : "#1f77b4")) }, name: "y", showlegend: false },
    ], { xaxis: { range: [-0.5, 1.5], title: { text: "x1" } }, yaxis: { range: [-0.5, 1.5],
      title: { text: "x2" }, scaleanchor: "x" }, height: 320, width: 360, showlegend: false,
    title: { text: `${fmt(r.w1, 2)}·x1 + ${fmt(r.w2, 2)}·x2 + ${fmt(r.b, 2)} = 0`, font: { size: 12 } } });
  }

  function drawToy() {
    if (!toy) return;
    const data = [];
    if (toy.z) data.push({ type: "heatmap", x: toy.axis, y: toy.axis, z: toy.z, zmin: 0, zmax: 1,
      colorscale: [[0, "#9ecae1"], [0.5, "#ffffff"], [1, "#fdae6b"]], showscale: false });
    for (const cls of [0, 1]) {
      const pts = toy.points.x.filter((_, i) => toy.points.y[i] === cls);
      data.push({ type: "scatter", mode: "markers", x: pts.map((p) => p[0]), y: pts.map((p) => p[1]),
        name: `class ${cls}`, marker: { size: 6, color: cls ? "#e6550d" : "#3182bd",
          line: { color: "#fff", width: 1 } } });
    }
    drawPlot(toyPlot, data, { height: 380, width: 440, xaxis: { range: [toy.axis[0], toy.axis.at(-1)] },
      yaxis: { range: [toy.axis[0], toy.axis.at(-1)], scaleanchor: "x" } });
  }

  api.lab("/perceptron/xor").then((r) => {
    xorBox.replaceChildren(h("table", {}, h("tr", {}, ...["x1", "x2", "s1", "s2", "y"].map((c) => h("th", {}, c))),
      ...r.inputs.map((p, i) => h("tr", {}, h("td", {}, p[0]), h("td", {}, p[1]),
        h("td", {}, r.s1_nand[i]), h("td", {}, r.s2_or[i]), h("td", {}, r.outputs[i])))));
  }).catch((err) => showError(ui.status, err));
  evalGate();
  ctl.go(); // XOR by default: the set one perceptron cannot split
  return { unmount() { ctl.close(); purgePlots(gatePlot, toyPlot); ui.root.remove(); },
    relabel() { evalGate(); drawToy(); } };
}
