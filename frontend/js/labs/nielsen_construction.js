// Lab: Nielsen ch. 4, the visual proof of universal approximation: steps from sigmoid
// neurons with a big weight, bumps from pairs of them, a sum of bumps following a target.
import { h, debounce } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { compute, fmt, frame, say, selectField, both, sayInto } from "./common.js";

export const lab = {
  id: "nielsen_construction",
  chapter: "Nielsen 4",
  title: { ja: "Nielsen：手で作る万能近似", en: "Nielsen: universal approximation by hand" },
  summary: { ja: "大きな重みのシグモイドはステップに、2つ組で「こぶ」になり、こぶを並べると関数を近似できます。",
    en: "A sigmoid with a big weight is a step, two make a bump, and bumps side by side follow any function." },
  book: { ja: "こぶの数を増やすほど近似は良くなる（任意の精度に近づけられる）",
    en: "more bumps, a better approximation (as close as you like)" },
  mount,
};

function slider(ja, en, value, min, max, step, testid) {
  const input = h("input", { type: "range", min: String(min), max: String(max), step: String(step),
    value: String(value), "data-testid": testid });
  const shown = h("span", { class: "lab-mono" }, String(value));
  input.addEventListener("input", () => { shown.textContent = input.value; });
  return { label: h("label", { class: "lab-field" }, say(ja, en), input, shown), input,
    get value() { return Number(input.value); } };
}

function mount(el) {
  const ui = frame(el, lab, {
    ja: "Nielsen『Neural Networks and Deep Learning』4章の、学習なしの作図による証明です。隠れニューロン σ(wx + b) は" +
      "重み w が大きいと s = −b/w でジャンプするステップ関数になります。2つのステップ（s と s + 1/N）に出力の重み +h と −h を" +
      "付けると高さ h の「こぶ」になり、N 個のこぶを並べると目標の関数をたどります。こぶの数 N や重み w を動かしてください。" +
      "重みはすべて手で決めたもので、エンジンのネットワーク（Dense → Sigmoid → Dense）がそれを計算します。",
    en: "The proof by picture of Nielsen's chapter 4, no training involved. A hidden neuron " +
      "σ(wx + b) with a big weight w is a step function jumping at s = −b/w. Two steps (at s and " +
      "s + 1/N) with output weights +h and −h make a bump of height h; N bumps side by side " +
      "follow the target. Move the number of bumps N and the weight w. Every weight is set by " +
      "hand, and the engine's network (Dense → Sigmoid → Dense) computes the result.",
  });
  const target = selectField("関数", "Function", [["nielsen", "Nielsen 4章の例", "Nielsen's ch. 4 example"],
    ["sine", "sin", "sine"], ["step", "ステップ", "step"], ["bump", "こぶ", "bump"]], "nielsen", "nc-target");
  const bumps = slider("こぶの数 N", "Bumps N", 5, 1, 50, 1, "nc-bumps");
  const weight = slider("重み w", "Weight w", 1000, 1, 1000, 1, "nc-weight");
  const plotEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-nielsen_construction" });
  const info = h("div", { class: "lab-mono", "data-testid": "nc-info" });
  let r = null;
  ui.controls.append(target.label, bumps.label, weight.label);
  ui.body.append(info, plotEl);
  const reload = debounce(load, 120);
  for (const c of [target.select, bumps.input, weight.input]) c.addEventListener("input", reload);

  async function load() {
    const out = await compute(ui, "/nielsen/construction", { target: target.select.value,
      bumps: bumps.value, weight: weight.value });
    if (out) { r = out; draw(); }
  }

  function draw() {
    if (!r) return;
    const data = r.bump_outputs.slice(0, 12).map((y, i) => ({ type: "scatter", mode: "lines", x: r.x, y,
      name: i === 0 ? pick("こぶ（ニューロン2つずつ）", "bumps (two neurons each)") : undefined,
      showlegend: i === 0, legendgroup: "bumps", line: { color: "#9aa0a6", width: 1, dash: "dot" } }));
    data.push({ type: "scatter", mode: "lines", x: r.x, y: r.target, name: pick("目標 f(x)", "target f(x)"),
      line: { color: "#202124", width: 3 } });
    data.push({ type: "scatter", mode: "lines", x: r.x, y: r.output, name: pick("ネットワークの出力", "network output"),
      line: { color: "#d93025", width: 2 } });
    drawPlot(plotEl, data, { height: 380, xaxis: { title: { text: "x" } }, yaxis: { title: { text: "f(x)" } } });
    sayInto(info, (pick) => `N = ${r.heights.length} · ${2 * r.heights.length} ${pick("個の隠れニューロン", "hidden neurons")} · w = ${r.weight} · ` +
      `${pick("平均絶対誤差", "mean absolute error")} ${fmt(r.mean_abs_error, 4)}`);
    ui.here(both((pick) => `N = ${r.heights.length}: ${pick("平均絶対誤差", "mean absolute error")} ${fmt(r.mean_abs_error, 4)}`));
  }

  load();
  return { unmount() { reload.cancel(); purgePlots(plotEl); ui.root.remove(); }, relabel: draw };
}
