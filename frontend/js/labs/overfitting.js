// Lab: overfitting, weight decay and dropout (ch. 6 §6.4).
import { h, frameBatcher } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, fmt, frame, jobControls, numberField, selectField, both, sayInto } from "./common.js";

export const lab = {
  id: "overfitting",
  chapter: "6.4",
  title: { ja: "過学習と正則化", en: "Overfitting and regularization" },
  summary: { ja: "300枚だけで7層のネットワークを学習し、Weight decay と Dropout の効果を見ます。",
    en: "A 7-layer net on only 300 images: train vs test accuracy, with weight decay and dropout." },
  book: { ja: "正則化なし 訓練 1.0 / テスト 0.76、λ=0.1 で差が縮む（図6-21）、Dropout 0.2・301エポックで 訓練 0.67 / テスト 0.548",
    en: "no regularization train 1.0 / test 0.76; λ = 0.1 narrows the gap (figure 6-21); dropout 0.2, 301 epochs: train 0.67 / test 0.548" },
  mount,
};

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "6.4節（overfit_weight_decay.py / overfit_dropout.py）の実験です。訓練データを300枚に減らし、" +
      "784→100×6→10 の ReLU ネットワークを SGD（η=0.01）・バッチサイズ100で学習します。" +
      "正則化なしでは訓練データの認識精度が1.0に達する一方、テストデータとの差が大きく開きます（過学習）。" +
      "Weight decay（本では λ=0.1）や Dropout（本では 0.2、301エポック）を使うと、その差が小さくなります。" +
      "Dropout には2つの方式があります。本の方式（common/layers.py）は学習中は残したニューロンをそのまま通し、" +
      "テスト時に出力を (1 − 比率) 倍します。多くのフレームワークの「inverted」方式は学習中に 1/(1 − 比率) 倍し、" +
      "テスト時は何もしません。出力の期待値は同じですが、本の方式では6層のネットワークが学習中により弱い信号で学ぶため、" +
      "本の数値（0.67 / 0.548）は本の方式でだけ再現します。測定はすべて1万枚のテストデータです。",
    en: "§6.4 (overfit_weight_decay.py / overfit_dropout.py): only 300 training images, a " +
      "784→100×6→10 ReLU net, SGD lr 0.01, batch 100. Without regularization training " +
      "accuracy reaches 1.0 while test accuracy stays far below (overfitting). Weight decay " +
      "(the book: λ = 0.1) or dropout (the book: ratio 0.2, 301 epochs) narrows the gap. Dropout " +
      "comes in two modes. The book's (common/layers.py) passes the kept units unscaled while " +
      "training and multiplies by (1 − ratio) at test time; the \"inverted\" mode of most " +
      "frameworks scales by 1/(1 − ratio) while training and does nothing at test time. The " +
      "expected output is the same, but in the book's mode the 6-layer net learns from weaker " +
      "signals, and only that mode reproduces the book's 0.67 / 0.548. Every figure is measured " +
      "on the 10,000 test images.",
  });
  const epochs = numberField("エポック数", "Epochs", 201, { min: 1, max: 500, step: 1, testid: "of-epochs" });
  const wd = numberField("Weight decay λ", "Weight decay λ", 0, { min: 0, max: 10, testid: "of-wd" });
  const dr = numberField("Dropout 比率", "Dropout ratio", 0, { min: 0, max: 0.9, testid: "of-dropout" });
  const mode = selectField("Dropout の方式", "Dropout mode", [["book", "本の方式（テスト時に ×(1−比率)）",
    "book (× (1 − ratio) at test time)"], ["inverted", "inverted（学習時に ÷(1−比率)）", "inverted (÷ (1 − ratio) while training)"]],
  "book", "of-dropout-mode");
  const plotEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-overfitting" });
  const summary = h("div", { class: "lab-mono", "data-testid": "of-summary" });
  const runs = []; // earlier runs stay on the chart, so settings can be compared
  let cur = null;
  let maxEpochs = 201;
  const redraw = frameBatcher(draw);
  const ctl = jobControls(ui, "overfitting", {
    testid: "of",
    start() {
      const [lam, drop, how] = [wd.value, dr.value, mode.select.value];
      // In both languages, as the legend and the result line are redrawn on a switch.
      const named = (p) => (how === "book" ? p("本の方式", "book") : "inverted");
      const label = (p) => `λ=${lam}, dropout=${drop}${drop > 0 ? ` (${named(p)})` : ""}`;
      cur = { label, epoch: [], train: [], test: [] };
      maxEpochs = Math.max(...runs.map((r) => r.epochs || 0), epochs.value);
      cur.epochs = epochs.value;
      runs.push(cur);
      if (runs.length > 3) runs.shift();
      draw();
      return { epochs: epochs.value, weight_decay: wd.value, dropout: dr.value, dropout_mode: mode.select.value };
    },
    progress(d) {
      cur.epoch.push(d.epoch); cur.train.push(d.train_acc); cur.test.push(d.test_acc);
      sayInto(summary, (p) => `${p("エポック", "epoch")} ${d.epoch}: ${p("訓練", "train")} ${fmt(d.train_acc)} · ` +
        `${p("テスト", "test")} ${fmt(d.test_acc)} · ${p("差", "gap")} ${fmt(d.train_acc - d.test_acc)}`);
      redraw();
    },
    result(r) {
      draw();
      ui.here(both((p) => `${cur.label(p)}: ${p("訓練", "train")} ${fmt(r.final.train)} / ${p("テスト", "test")} ${fmt(r.final.test)}`));
    },
  });
  const preset = (lam, drop, n) => () => {
    wd.input.value = lam; dr.input.value = drop; epochs.input.value = n; mode.select.value = "book"; ctl.go();
  };
  ui.controls.append(epochs.label, wd.label, dr.label, mode.label, ctl.runBtn, ctl.stopBtn,
    button("正則化なし", "No regularization", preset(0, 0, 201), "of-none"),
    button("λ = 0.1（本）", "λ = 0.1 (book)", preset(0.1, 0, 201), "of-decay"),
    button("Dropout 0.2（本・301エポック）", "Dropout 0.2 (book, 301 epochs)", preset(0, 0.2, 301), "of-drop"));
  ui.body.append(summary, plotEl);

  function draw() {
    const data = [];
    const dashes = ["dot", "dash", "solid"];
    runs.forEach((r, i) => {
      const dash = dashes[dashes.length - runs.length + i];
      const mode = r === cur ? "lines+markers" : "lines";
      data.push({ type: "scatter", mode, marker: { size: 3 }, name: `${pick("訓練", "train")} (${r.label(pick)})`,
        x: r.epoch, y: r.train, line: { color: "#1f77b4", dash } });
      data.push({ type: "scatter", mode, marker: { size: 3 }, name: `${pick("テスト", "test")} (${r.label(pick)})`,
        x: r.epoch, y: r.test, line: { color: "#ff7f0e", dash } });
    });
    drawPlot(plotEl, data, { xaxis: { title: { text: pick("エポック", "epochs") }, range: [0, maxEpochs] },
      yaxis: { title: { text: pick("認識精度", "accuracy") }, range: [0, 1.02] }, height: 380 });
  }
  ctl.go();
  return { unmount() { ctl.close(); purgePlots(plotEl); ui.root.remove(); }, relabel: draw };
}
