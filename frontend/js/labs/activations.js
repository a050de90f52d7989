// Lab: neural networks (ch. 3): step / sigmoid / ReLU, softmax, and inference on MNIST with
// the 784-50-100-10 sigmoid network (batch vs one by one; float16 vs float32).
import { h } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, compute, fmt, frame, numberField, say, both, sayInto } from "./common.js";

export const lab = {
  id: "activations",
  chapter: "3",
  title: { ja: "活性化関数とニューラルネットワークの推論", en: "Activation functions and inference" },
  summary: { ja: "ステップ・シグモイド・ReLU・ソフトマックスを描き、学習済みの3層ネットワークでMNISTを推論します。",
    en: "Plot step, sigmoid, ReLU and softmax; run MNIST inference with a trained 3-layer network." },
  book: { ja: "認識精度 0.9352（neuralnet_mnist.py）、softmax([0.3, 2.9, 4.0]) = [0.018, 0.245, 0.737]",
    en: "accuracy 0.9352 (neuralnet_mnist.py), softmax([0.3, 2.9, 4.0]) = [0.018, 0.245, 0.737]" },
  mount,
};

const COLORS = { step: "#7f7f7f", sigmoid: "#1f77b4", relu: "#d62728" };

function mount(el) {
  const ui = frame(el, lab, {
    ja: "3章の実験です。(a) 3.2節の活性化関数：ステップ関数は0か1、シグモイド関数はなめらかに0から1へ、" +
      "ReLUは0以下で0、それ以外はそのまま。どれもエンジン自身の層で計算しています。(b) 3.5節のソフトマックス関数：" +
      "出力の合計は1で、確率として読めます。(c) 3.6節：784→50→100→10 のシグモイドのネットワークで1万枚の" +
      "テスト画像を推論します。本の学習済みの重み sample_weight.pkl は pickle 形式で、読み込むとコードが実行され得るため" +
      "使いません。同じネットワークを一度学習し（scripts/train_ch3_weights.py）、.npz で同梱しています。" +
      "100枚ずつのバッチ処理は1枚ずつより速く、float16 にしても認識精度はほとんど変わりません（8.3.4節）。",
    en: "Chapter 3. (a) The activation functions of §3.2: the step function is 0 or 1, sigmoid " +
      "goes smoothly from 0 to 1, ReLU is 0 below 0 and the identity above, each computed by the " +
      "engine's own layer. (b) Softmax (§3.5): the outputs sum to 1 and read as probabilities. " +
      "(c) §3.6: a 784→50→100→10 sigmoid network classifies the 10,000 test images. The book's " +
      "trained weights, sample_weight.pkl, are a pickle, which can run code when loaded, so we " +
      "never load it: the same network was trained once (scripts/train_ch3_weights.py) and ships " +
      "as .npz. Batches of 100 are much faster than one image at a time, and float16 gives nearly " +
      "the same accuracy (§8.3.4).",
  });
  const fnEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-activations" });
  const smEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-activations-softmax" });
  const logits = h("input", { type: "text", value: "0.3, 2.9, 4.0", "data-testid": "act-logits",
    style: { width: "14em" } });
  const infer = h("div", { class: "lab-mono", "data-testid": "act-inference" });
  let fns = null;
  let inf = null;
  ui.body.append(say("(a) 活性化関数", "(a) Activation functions", "h3"), fnEl,
    say("(b) ソフトマックス関数", "(b) Softmax", "h3"),
    h("div", { class: "lab-controls" }, h("label", { class: "lab-field" }, say("入力 a", "Input a"), logits),
      button("計算", "Compute", () => load(), "act-softmax")), smEl,
    say("(c) MNIST の推論（1万枚）", "(c) MNIST inference (10,000 images)", "h3"),
    h("div", { class: "lab-controls" }, button("推論する", "Run inference", () => runInference(), "act-infer")),
    infer);

  async function load() {
    const a = logits.value.split(",").map((v) => Number(v.trim()));
    const r = await compute(ui, "/activations", { logits: a });
    if (r) { fns = r; draw(); }
  }

  async function runInference() {
    sayInto(infer, (pick) => pick("推論中…", "Running…"));
    const r = await compute(ui, "/mnist-inference", {});
    if (!r) { infer.textContent = ""; return; }
    inf = r;
    describe();
    ui.here(both((pick) => `${pick("認識精度", "accuracy")} ${fmt(r.accuracy, 4)} (${r.test_size})`));
  }

  function describe() {
    if (!inf) return;
    const speedup = inf.ms_per_image.one_by_one / inf.ms_per_image.batch;
    sayInto(infer, (pick) => [
      `${pick("認識精度", "accuracy")} ${fmt(inf.accuracy, 4)} (${pick("本", "book")} ${fmt(inf.book_accuracy, 4)})`,
      `${pick("1枚ずつ", "one by one")}: ${fmt(inf.ms_per_image.one_by_one, 3)} ms/${pick("枚", "image")} · ` +
        `${pick("バッチ", "batch")} ${inf.batch_size}: ${fmt(inf.ms_per_image.batch, 4)} ms/${pick("枚", "image")} ` +
        `(${fmt(speedup, 1)}×)`,
      `float16: ${fmt(inf.float16_accuracy, 4)} · float32: ${fmt(inf.accuracy, 4)}`,
    ].join("\n"));
  }

  function draw() {
    if (!fns) return;
    drawPlot(fnEl, Object.entries(fns.curves).map(([name, y]) => ({ type: "scatter", mode: "lines",
      x: fns.x, y, name: { step: pick("ステップ関数", "step"), sigmoid: pick("シグモイド関数", "sigmoid"), relu: "ReLU" }[name],
      line: { color: COLORS[name], width: 2, shape: name === "step" ? "hv" : "linear" } })), {
      height: 340, xaxis: { title: { text: "x" } }, yaxis: { title: { text: "h(x)" }, range: [-0.1, 1.6] },
    });
    const sm = fns.softmax;
    drawPlot(smEl, [{ type: "bar", x: sm.logits.map((v, i) => `a${i + 1} = ${v}`), y: sm.outputs,
      text: sm.outputs.map((v) => fmt(v, 3)), textposition: "outside", marker: { color: "#1f77b4" },
      name: "softmax" }], {
      height: 280, showlegend: false, yaxis: { title: { text: pick("出力 y（合計 1）", "output y (sums to 1)") }, range: [0, 1.1] },
    });
  }

  load();
  runInference();
  return { unmount() { purgePlots(fnEl, smEl); ui.root.remove(); }, relabel() { draw(); describe(); } };
}
