// Lab: data augmentation (ch. 8 §8.1.2) on a small training set.
import { h, frameBatcher, grayToCanvas } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { fmt, frame, jobControls, numberField, say, both, sayInto } from "./common.js";

export const lab = {
  id: "augmentation",
  chapter: "8.1.2",
  title: { ja: "データ拡張（Data Augmentation）", en: "Data augmentation" },
  summary: { ja: "少ない訓練画像を少しずつ動かして増やすと、テストの認識精度が上がります。",
    en: "Shifting, rotating and scaling a small training set raises test accuracy." },
  book: { ja: "画像を回転・移動・拡大縮小して枚数を増やすと、認識精度が向上する（8.1.2節。本の DeepConvNet の 99.38% にも使われる手法）",
    en: "rotating, shifting and scaling the images to get more of them improves accuracy (§8.1.2, one of the tricks behind the top MNIST results)" },
  mount,
};

function mount(el) {
  const ui = frame(el, lab, {
    ja: "8.1.2節のデータ拡張です。訓練データを500枚に減らし、784→100→100→10 の ReLU ネットワーク（Adam）を2つ、同じ初期値から学習します。" +
      "片方はそのままの画像、もう片方はエポックごとに新しく、ランダムに移動（±2ピクセル）・回転（±15°）・拡大縮小（±10%）した画像で学びます。" +
      "上の数字は同じ1枚から作った例です。テストは1万枚で測ります。",
    en: "Data augmentation (§8.1.2). Only 500 training images; two 784→100→100→10 ReLU nets " +
      "(Adam) from the same initial weights. One learns from the images as they are, the other " +
      "from copies shifted (±2 pixels), rotated (±15°) and scaled (±10%) afresh every epoch. " +
      "The digits above are examples made from one image. Test accuracy is measured on all " +
      "10,000 test images.",
  });
  const epochs = numberField("エポック数", "Epochs", 40, { min: 1, max: 200, step: 1, testid: "aug-epochs" });
  const samples = h("div", { class: "lab-filters", "data-testid": "aug-samples" });
  const plotEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-augmentation" });
  const info = h("div", { class: "lab-mono", "data-testid": "aug-info" });
  let curves = null;
  const redraw = frameBatcher(draw);
  const ctl = jobControls(ui, "data_augmentation", {
    testid: "aug",
    start() {
      curves = { epoch: [], plain: [], augmented: [], trainPlain: [], trainAug: [] };
      draw();
      return { epochs: epochs.value, eval_every: 2 };
    },
    progress(d) {
      if (d.samples) {
        samples.replaceChildren(...d.samples.map((img) => grayToCanvas(document.createElement("canvas"), img, { scale: 3 })));
        return;
      }
      curves.epoch.push(d.epoch);
      curves.plain.push(d.test_acc.plain); curves.augmented.push(d.test_acc.augmented);
      curves.trainPlain.push(d.train_acc.plain); curves.trainAug.push(d.train_acc.augmented);
      sayInto(info, (p) => `${p("エポック", "epoch")} ${d.epoch}: ${p("テスト", "test")} ` +
        `${p("そのまま", "plain")} ${fmt(d.test_acc.plain)} · ${p("拡張", "augmented")} ${fmt(d.test_acc.augmented)}`);
      redraw();
    },
    result(r) {
      draw();
      ui.here(both((p) => `${p("テスト", "test")}: ${p("そのまま", "plain")} ${fmt(r.final.plain)}, ${p("拡張", "augmented")} ${fmt(r.final.augmented)}`));
    },
  });
  ui.controls.append(epochs.label, ctl.runBtn, ctl.stopBtn);
  ui.body.append(samples, info, plotEl);

  function draw() {
    if (!curves) return;
    const line = (y, name, color, dash) => ({ type: "scatter", mode: "lines+markers", marker: { size: 4 },
      x: curves.epoch, y, name, line: { color, dash } });
    drawPlot(plotEl, [
      line(curves.plain, pick("テスト（そのまま）", "test (plain)"), "#1f77b4", "solid"),
      line(curves.augmented, pick("テスト（拡張）", "test (augmented)"), "#d62728", "solid"),
      line(curves.trainPlain, pick("訓練（そのまま）", "train (plain)"), "#1f77b4", "dot"),
      line(curves.trainAug, pick("訓練（拡張した元画像で測定）", "train (augmented net, original images)"), "#d62728", "dot"),
    ], { height: 360, xaxis: { title: { text: pick("エポック", "epochs") }, range: [0, epochs.value] },
      yaxis: { title: { text: pick("認識精度", "accuracy") }, range: [0, 1.02] } });
  }
  ctl.go();
  return { unmount() { ctl.close(); purgePlots(plotEl); ui.root.remove(); }, relabel: draw };
}
