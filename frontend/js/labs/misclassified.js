// Lab: the test images a trained DeepConvNet misreads (ch. 8 §8.1.1, figure 8-3), and its
// accuracy with float16 weights (§8.3.4).
import { h, frameBatcher, grayToCanvas } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { fmt, frame, jobControls, checkbox, both, sayInto } from "./common.js";

const SHOWN = 60; // images in the grid; the chart counts them all

export const lab = {
  id: "misclassified",
  chapter: "8.1.1",
  title: { ja: "DeepConvNet が誤認識した画像", en: "What the deep network gets wrong" },
  summary: { ja: "99%を超える深いCNNでも間違える手書き数字を、正解と予測つきで並べます。",
    en: "The handful of test digits a 99%+ deep CNN misreads, with labels and predictions." },
  book: { ja: "DeepConvNet の認識精度 99.38%。誤認識した画像は人間にも判断の難しいものが多い（図8-3）。float16 でも精度は変わらない（8.3.4節）",
    en: "DeepConvNet reaches 99.38%; the digits it misreads are hard even for people (figure 8-3); float16 weights give the same accuracy (§8.3.4)" },
  mount,
};

function mount(el) {
  const ui = frame(el, lab, {
    ja: "8.1.1節の図8-3です。本は学習済みの重み（pickle ファイル）を読み込みますが、pickle はプログラムを実行できるため読み込みません。" +
      "代わりに、本と同じ DeepConvNet（3×3の畳み込み6層＋全結合2層、Dropout 0.5）をこのサーバーのプリセットで学習し、その重みを .npz で同梱しています。" +
      "テスト画像1万枚を500枚ずつ推論し、間違えた画像を左上に正解、右下に予測を付けて並べます。最後に重みを float16 に丸めて同じ1万枚を測ります。",
    en: "Figure 8-3 of §8.1.1. The book loads trained weights from a pickle, which can run code, so " +
      "we never load one: the same DeepConvNet (six 3×3 convolutions, two dense layers, dropout " +
      "0.5) was trained once with this server's preset and ships as .npz. The 10,000 test images " +
      "are read 500 at a time; each misread one is shown with its true label top left and the " +
      "network's answer bottom right. Last, the weights are rounded to float16 and the same " +
      "10,000 images are read again.",
  });
  const half = checkbox("float16 でも測る", "also with float16 weights", true, "mis-float16");
  const grid = h("div", { class: "lab-mistakes", "data-testid": "mis-grid" });
  const plotEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-misclassified" });
  const info = h("div", { class: "lab-mono", "data-testid": "mis-info" });
  let state = null;
  const redraw = frameBatcher(draw);
  const ctl = jobControls(ui, "misclassified", {
    testid: "mis",
    running: ["推論中…", "Reading the test images…"],
    start() {
      state = { done: 0, total: 0, accuracy: null, byLabel: Array(10).fill(0), count: 0 };
      grid.replaceChildren();
      info.textContent = "";
      purgePlots(plotEl); // the chart comes back with the first 500 images read
      return { float16: half.input.checked };
    },
    progress(d) {
      state.done = d.done; state.total = d.test_size; state.accuracy = d.accuracy;
      for (const m of d.new) {
        state.byLabel[m.label] += 1;
        state.count += 1;
        if (grid.childElementCount < SHOWN) grid.append(tile(m));
      }
      sayInto(info, (p) => `${state.done} / ${state.total} · ${p("誤認識", "misread")} ${state.count} · ` +
        `${p("認識精度", "accuracy")} ${fmt(state.accuracy, 4)}`);
      redraw();
    },
    result(r) {
      draw();
      const f16 = r.float16_accuracy === undefined ? "" : ` · float16 ${fmt(r.float16_accuracy, 4)}`;
      ui.here(both((p) => `${p("認識精度", "accuracy")} ${fmt(r.accuracy * 100, 2)}% (${r.misclassified} / ${r.test_size} ${p("枚を誤認識", "misread")})${f16}`));
    },
  });
  ui.controls.append(half.label, ctl.runBtn, ctl.stopBtn);
  ui.body.append(info, grid, plotEl); // the book's figure first, then which digits they were

  function tile(m) {
    const canvas = grayToCanvas(h("canvas"), m.image, { scale: 2 });
    return h("figure", { class: "lab-mistake", "data-testid": "mis-tile", title: `#${m.index} · ${Math.round(m.confidence * 100)}%` },
      h("span", { class: "mis-true" }, String(m.label)), canvas, h("span", { class: "mis-pred" }, String(m.pred)));
  }

  function draw() {
    if (!state) return;
    drawPlot(plotEl, [{ type: "bar", x: [...Array(10).keys()], y: state.byLabel, marker: { color: "#d62728" },
      name: pick("誤認識の枚数", "misread images"), hovertemplate: "%{x}: %{y}<extra></extra>" }], {
      height: 260, showlegend: false,
      xaxis: { title: { text: pick("正解ラベル", "true label") }, dtick: 1 },
      // Whole images only: a tick every ceil(max / 5) images, never at 0.5.
      yaxis: { title: { text: pick("誤認識の枚数", "misread images") }, rangemode: "tozero",
        dtick: Math.max(1, Math.ceil(Math.max(...state.byLabel) / 5)) },
    });
  }
  ctl.go();
  return { unmount() { ctl.close(); purgePlots(plotEl); ui.root.remove(); }, relabel: draw };
}
