// Lab: backpropagation (ch. 5): the shopping graphs of figures 5-16 / 5-17 with forward and
// backward values on every edge, and ReLU / Affine / Softmax-with-Loss backward step by step.
import { h } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, compute, frame, numberField, say } from "./common.js";

export const lab = {
  id: "backprop",
  chapter: "5",
  title: { ja: "計算グラフと誤差逆伝播法", en: "Computational graphs and backpropagation" },
  summary: { ja: "りんごとみかんの買い物の計算グラフで、順伝播と逆伝播の値をすべての辺に書き込みます。",
    en: "The apples-and-oranges graph with forward and backward values on every edge; layer backward passes." },
  book: { ja: "りんごだけ 220円（逆伝播: りんご 2.2、個数 110、消費税 200）、みかんも 715円" +
    "（りんご 2.2、個数 110、みかん 3.3、個数 165、消費税 650）",
  en: "apples only 220 (backward: apple 2.2, count 110, tax 200); with oranges 715 " +
    "(apple 2.2, count 110, orange 3.3, count 165, tax 650)" },
  mount,
};

// Where each value sits in figure 5-17 (apples and oranges) and 5-16 (apples only).
const LAYOUTS = {
  apples_oranges: {
    nodes: { mul_a: [1, 2.5, "×"], mul_o: [1, 0.5, "×"], add: [2, 1.5, "+"], mul_t: [3, 1.2, "×"] },
    edges: [["apple", [0, 3], "mul_a"], ["apple_num", [0, 2], "mul_a"], ["orange", [0, 1], "mul_o"],
      ["orange_num", [0, 0], "mul_o"], ["apple_price", "mul_a", "add"], ["orange_price", "mul_o", "add"],
      ["all_price", "add", "mul_t"], ["tax", [2, 0], "mul_t"], ["price", "mul_t", [4, 1.2]]],
  },
  apples: {
    nodes: { mul_a: [1, 2, "×"], mul_t: [2, 1.2, "×"] },
    edges: [["apple", [0, 3], "mul_a"], ["apple_num", [0, 1], "mul_a"], ["apple_price", "mul_a", "mul_t"],
      ["tax", [1.2, -0.2], "mul_t"], ["price", "mul_t", [3, 1.2]]],
  },
};
const NAMES = {
  apple: ["りんご", "apple"], apple_num: ["りんごの個数", "apples"], orange: ["みかん", "orange"],
  orange_num: ["みかんの個数", "oranges"], apple_price: ["", ""], orange_price: ["", ""], all_price: ["", ""],
  tax: ["消費税", "tax"], price: ["支払金額", "total"],
};

function graphTraces(g, layout) {
  const at = (p) => (typeof p === "string" ? layout.nodes[p] : p);
  const lines = { x: [], y: [] };
  const annotations = [];
  for (const [name, from, to] of layout.edges) {
    const [x0, y0] = at(from);
    const [x1, y1] = at(to);
    lines.x.push(x0, x1, null);
    lines.y.push(y0, y1, null);
    const mx = (x0 + x1) / 2;
    const my = (y0 + y1) / 2;
    const label = pick(...NAMES[name]);
    annotations.push({ x: mx, y: my, text: `${label ? label + " " : ""}<b>${g.forward[name]}</b>`, showarrow: false,
      yshift: 12, font: { size: 12, color: "#202124" } });
    annotations.push({ x: mx, y: my, text: `${g.backward[name]}`, showarrow: false, yshift: -12,
      font: { size: 12, color: "#d93025" } });
  }
  const nodes = Object.values(layout.nodes);
  return {
    data: [
      { type: "scatter", mode: "lines", x: lines.x, y: lines.y, line: { color: "#5f6368", width: 2 },
        hoverinfo: "skip", name: pick("順伝播（黒）", "forward (black)") },
      { type: "scatter", mode: "markers+text", x: nodes.map((n) => n[0]), y: nodes.map((n) => n[1]),
        text: nodes.map((n) => n[2]), textfont: { size: 18 }, marker: { size: 34, color: "#e8f0fe", line: { color: "#1a73e8", width: 2 } },
        hoverinfo: "skip", name: pick("逆伝播（赤）", "backward (red)") },
    ],
    annotations,
  };
}

function mount(el) {
  const ui = frame(el, lab, {
    ja: "5章の実験です。(a) 5.4節の買い物の計算グラフ：乗算ノード（×）と加算ノード（+）を順にたどると支払金額が求まります（順伝播、黒）。" +
      "逆伝播（赤）は最後の1から出発し、乗算ノードでは入力を入れ替えた値を、加算ノードではそのままの値を掛けて戻ります。" +
      "赤い値は「その値が1増えると支払金額がどれだけ増えるか」です。値を変えて確かめてください。" +
      "(b) 5.5-5.6節：Affine → ReLU → Affine → Softmax-with-Loss を小さなバッチで、逆伝播の順に1段ずつ。",
    en: "Chapter 5. (a) The shopping graph of §5.4: following the multiply (×) and add (+) nodes " +
      "gives the total (forward, black). Backward (red) starts from 1 at the end; a multiply node " +
      "sends back the incoming value times the OTHER input, an add node passes it on unchanged. " +
      "Each red value says how much the total grows when that value grows by 1. Change the " +
      "prices and counts to check. (b) §5.5-5.6: Affine → ReLU → Affine → Softmax-with-Loss on a " +
      "tiny batch, one step at a time in the order backpropagation computes them.",
  });
  const apple = numberField("りんご（円）", "Apple price", 100, { min: 0, testid: "bp-apple", width: 5 });
  const appleNum = numberField("個数", "count", 2, { min: 0, step: 1, testid: "bp-apple-num", width: 4 });
  const orange = numberField("みかん（円）", "Orange price", 150, { min: 0, testid: "bp-orange", width: 5 });
  const orangeNum = numberField("個数", "count", 3, { min: 0, step: 1, testid: "bp-orange-num", width: 4 });
  const tax = numberField("消費税", "Tax", 1.1, { min: 0, step: 0.01, testid: "bp-tax", width: 4 });
  const bothEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-backprop" });
  const appleEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-backprop-apples" });
  const steps = h("div", { class: "lab-mono", "data-testid": "bp-steps" });
  let graph = null;
  let layers = null;
  ui.controls.append(apple.label, appleNum.label, orange.label, orangeNum.label, tax.label,
    button("計算", "Compute", () => load(), "bp-run"));
  ui.body.append(say("(a) りんごとみかん（図5-17）", "(a) Apples and oranges (figure 5-17)", "h3"), bothEl,
    say("りんごだけ（図5-16）", "Apples only (figure 5-16)", "h3"), appleEl,
    say("(b) レイヤの逆伝播", "(b) Backward through the layers", "h3"), steps);

  async function load() {
    const r = await compute(ui, "/graph/shopping", { apple: apple.value, apple_num: appleNum.value,
      orange: orange.value, orange_num: orangeNum.value, tax: tax.value });
    if (r) { graph = r; draw(); }
  }

  async function loadLayers() {
    const r = await compute(ui, "/graph/layers", {});
    if (r) { layers = r; describe(); }
  }

  function draw() {
    if (!graph) return;
    for (const [key, plotEl, layout] of [["apples_oranges", bothEl, LAYOUTS.apples_oranges], ["apples", appleEl, LAYOUTS.apples]]) {
      const { data, annotations } = graphTraces(graph[key], layout);
      drawPlot(plotEl, data, { height: key === "apples" ? 300 : 380, annotations,
        xaxis: { visible: false, range: [-0.4, key === "apples" ? 3.3 : 4.3] }, yaxis: { visible: false, range: [-0.4, 3.4] } });
    }
    const a = graph.apples;
    const b = graph.apples_oranges;
    ui.here(`${a.price} (${a.backward.apple}, ${a.backward.apple_num}, ${a.backward.tax}) · ${b.price} ` +
      `(${b.backward.apple}, ${b.backward.apple_num}, ${b.backward.orange}, ${b.backward.orange_num}, ${b.backward.tax})`);
  }

  function describe() {
    if (!layers) return;
    const rows = (m) => JSON.stringify(m);
    const out = [`x = ${rows(layers.x)} · t = ${rows(layers.t)} · ${pick("損失", "loss")} = ${layers.loss.toFixed(4)}`];
    for (const s of [...layers.steps].reverse()) {
      out.push(`${s.layer}: ${pick("逆伝播", "backward")} ${s.rule}`);
      out.push(`  dX = ${rows(s.backward)}`);
      if (s.dW) out.push(`  dW = ${rows(s.dW)}  db = ${rows(s.db)}`);
    }
    steps.textContent = out.join("\n");
  }

  load();
  loadLayers();
  return { unmount() { purgePlots(bothEl, appleEl); ui.root.remove(); }, relabel() { draw(); describe(); } };
}
