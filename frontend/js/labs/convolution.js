// Lab: convolution (ch. 7): im2col on a small image (which patch becomes which column),
// max pooling, and the SimpleConvNet's first-layer filters before / after training (fig. 7-24).
import { h, grayToCanvas } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, compute, fmt, frame, jobControls, numberField, say, sayInto } from "./common.js";

export const lab = {
  id: "convolution",
  chapter: "7",
  title: { ja: "im2col・プーリング・フィルターの可視化", en: "im2col, pooling and learned filters" },
  summary: { ja: "小さな画像でim2colとプーリングを確かめ、SimpleConvNetの1層目のフィルターが学習で変わる様子を見ます。",
    en: "im2col and pooling on a small image; the SimpleConvNet's first-layer filters before and after training." },
  book: { ja: "im2col は1つの窓を1行に並べる（7.4.3節）。学習前のフィルターはランダム、学習後は縦・横のエッジや塊に反応する（図7-24）",
    en: "im2col lays each window out as one row (§7.4.3); filters start random and learn edge and blob detectors (figure 7-24)" },
  mount,
};

function mount(el) {
  const ui = frame(el, lab, {
    ja: "7章の実験です。(a) im2col：フィルターが重なる窓（パッチ）を1列に並べ直すと、畳み込みは1回の行列積になります。" +
      "このエンジンは1つのパッチを1「列」に並べます（形 (C·FH·FW, N·OH·OW)、バッチ全体で1回のGEMM）。本の util.im2col は" +
      "1「行」に並べます。同じ数値の転置です。パッチ番号を選ぶと、画像上の窓と列が強調されます。同じ画像の Max プーリング（7.3節）も示します。" +
      "(b) SimpleConvNet（conv 30×5×5 → ReLU → pool → 100 → 10）を本の設定（重み N(0, 0.01²)、Adam η=0.001、バッチ100）で" +
      "学習し、30枚のフィルターの学習前後と、1つの数字にかけたフィルターの出力を並べます（本は20エポック、ここは既定で1200回=2エポック）。",
    en: "Chapter 7. (a) im2col: unrolling every window (patch) the filter covers turns the " +
      "convolution into one matrix product. This engine puts one patch per COLUMN (shape " +
      "(C·FH·FW, N·OH·OW), one GEMM for the whole batch); the book's util.im2col puts one per ROW: " +
      "the same numbers, transposed. Pick a patch number to highlight its window and its column. " +
      "Max pooling (§7.3) of the same image is shown too. (b) The SimpleConvNet (conv 30×5×5 → " +
      "ReLU → pool → 100 → 10) trained with the book's settings (weights N(0, 0.01²), Adam lr " +
      "0.001, batch 100): its 30 filters before and after, and their outputs on one digit (the " +
      "book trains 20 epochs; 1,200 iterations = 2 epochs by default here).",
  });
  const fsize = numberField("フィルター", "Filter", 2, { min: 1, max: 4, step: 1, testid: "conv-filter", width: 3 });
  const stride = numberField("ストライド", "Stride", 1, { min: 1, max: 3, step: 1, testid: "conv-stride", width: 3 });
  const pad = numberField("パディング", "Padding", 0, { min: 0, max: 2, step: 1, testid: "conv-pad", width: 3 });
  const patch = numberField("パッチ番号", "Patch", 0, { min: 0, step: 1, testid: "conv-patch", width: 3 });
  const imgEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-convolution" });
  const colEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-convolution-columns" });
  const poolInfo = h("div", { class: "lab-mono", "data-testid": "conv-pool" });
  const iters = numberField("繰り返し回数", "Iterations", 1200, { min: 10, max: 6000, step: 10, testid: "conv-iters" });
  const before = h("div", { class: "lab-filters", "data-testid": "conv-before" });
  const after = h("div", { class: "lab-filters", "data-testid": "conv-after" });
  const maps = h("div", { class: "lab-filters", "data-testid": "conv-maps" });
  const trainInfo = h("div", { class: "lab-mono", "data-testid": "conv-train-info" });
  let r = null;
  ui.controls.append(fsize.label, stride.label, pad.label, patch.label, button("計算", "Compute", () => load(), "conv-run"));
  patch.input.addEventListener("input", () => draw());
  const ctl = jobControls(ui, "conv_filters", {
    testid: "conv-train",
    start() {
      after.replaceChildren();
      maps.replaceChildren();
      return { iterations: iters.value };
    },
    progress(d) {
      if (d.iteration === 0) tiles(before, d.filters, 4);
      else {
        tiles(after, d.filters, 4);
        sayInto(trainInfo, (pick) => `${pick("繰り返し", "iteration")} ${d.iteration} / ${d.iterations} · ${pick("損失", "loss")} ${fmt(d.loss, 3)}`);
      }
    },
    result(res) {
      tiles(before, res.before, 4);
      tiles(after, res.after, 4);
      tiles(maps, res.digit.maps, 2);
      sayInto(trainInfo, (pick) => `${pick("テストの認識精度", "test accuracy")} ${fmt(res.test_accuracy, 3)} ` +
        `(${res.test_size} ${pick("枚", "images")}) · ${pick("数字", "digit")} ${res.digit.label}`);
    },
  });
  ui.body.append(say("(a) im2col とプーリング", "(a) im2col and pooling", "h3"),
    h("div", { class: "lab-row" }, imgEl, colEl), poolInfo,
    say("(b) SimpleConvNet の1層目のフィルター（図7-24）", "(b) The SimpleConvNet's first-layer filters (figure 7-24)", "h3"),
    h("div", { class: "lab-controls" }, iters.label, ctl.runBtn, ctl.stopBtn), trainInfo,
    say("学習前", "Before training", "h4"), before, say("学習後", "After training", "h4"), after,
    say("1つの数字にかけた30枚のフィルターの出力", "The 30 filters applied to one digit", "h4"), maps);

  function tiles(host, stack, scale) {
    host.replaceChildren(...stack.map((img) => grayToCanvas(document.createElement("canvas"), img,
      { scale: scale * (img.length < 10 ? 3 : 1), diverging: host !== maps })));
  }

  async function load() {
    const out = await compute(ui, "/conv/im2col", { filter_size: fsize.value, stride: stride.value, pad: pad.value });
    if (out) { r = out; draw(); }
  }

  function draw() {
    if (!r) return;
    const k = Math.max(0, Math.min(r.patches.length - 1, Math.round(patch.value) || 0));
    const p = r.patches[k];
    const n = r.image.length;
    const text = r.image.map((row) => row.map((v) => String(v)));
    drawPlot(imgEl, [{ type: "heatmap", z: r.image, text, texttemplate: "%{text}", colorscale: "Blues",
      showscale: false, hoverinfo: "skip" }], {
      height: 300, width: 320, title: { text: pick("入力画像（パッチを強調）", "Input (patch highlighted)") },
      xaxis: { range: [-0.5 - r.pad, n - 0.5 + r.pad], dtick: 1, zeroline: false },
      yaxis: { autorange: "reversed", dtick: 1, scaleanchor: "x", zeroline: false },
      shapes: [{ type: "rect", x0: p.top_left[1] - 0.5, x1: p.top_left[1] + r.filter_size - 0.5,
        y0: p.top_left[0] - 0.5, y1: p.top_left[0] + r.filter_size - 0.5, line: { color: "#d93025", width: 3 } }],
    });
    drawPlot(colEl, [{ type: "heatmap", z: r.columns, text: r.columns.map((row) => row.map(String)),
      texttemplate: "%{text}", colorscale: "Blues", showscale: false, hoverinfo: "skip" }], {
      height: 300, title: { text: pick(`列 = パッチ（${r.columns[0].length} 列）`, `column = patch (${r.columns[0].length} columns)`) },
      xaxis: { title: { text: pick("列（出力の位置）", "column (output position)") }, dtick: 1 },
      yaxis: { title: { text: pick("窓の中の位置", "place in the window") }, autorange: "reversed", dtick: 1 },
      shapes: [{ type: "rect", x0: k - 0.5, x1: k + 0.5, y0: -0.5, y1: r.columns.length - 0.5,
        line: { color: "#d93025", width: 3 } }],
    });
    sayInto(poolInfo, (pick) => (r.pooling ? `Max pooling ${r.pooling.size}×${r.pooling.size}, stride ${r.pooling.stride}: ` +
      JSON.stringify(r.pooling.output) : "") + `\n${pick("本の形（行 = パッチ）", "the book's layout (row = patch)")}: ` +
      `${pick("行", "row")} ${k} = ${JSON.stringify(r.book_rows[k])}`);
    ui.here({ ja: `パッチ ${k} → 列 ${k} = ${JSON.stringify(r.book_rows[k])}`, en: `patch ${k} → column ${k} = ${JSON.stringify(r.book_rows[k])}` });
  }

  load();
  return { unmount() { ctl.close(); purgePlots(imgEl, colEl); ui.root.remove(); }, relabel: draw };
}
