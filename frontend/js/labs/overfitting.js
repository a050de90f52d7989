// Lab: overfitting, weight decay and dropout (ch. 6 §6.4).
import { L, button, chart, frame, frameScheduler, h, jobControls, numberField, purge,
  fmt } from "./common.js";

export const lab = {
  id: "overfitting",
  chapter: "6.4",
  title: { ja: "過学習と正則化", en: "Overfitting and regularization" },
  summary: { ja: "300枚だけで7層のネットワークを学習し、Weight decay と Dropout の効果を見ます。",
    en: "A 7-layer net on only 300 images: train vs test accuracy, with weight decay and dropout." },
  mount,
};

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "6.4節（overfit_weight_decay.py / overfit_dropout.py）の実験です。訓練データを300枚に減らし、" +
      "784→100×6→10 の ReLU ネットワークを SGD（η=0.01）・バッチサイズ100で学習します。" +
      "正則化なしでは訓練データの認識精度が1.0に達する一方、テストデータとの差が大きく開きます（過学習）。" +
      "Weight decay（本では λ=0.1）や Dropout（本では 0.2）を使うと、その差が小さくなります。",
    en: "§6.4 (overfit_weight_decay.py / overfit_dropout.py): only 300 training images, a " +
      "784→100×6→10 ReLU net, SGD lr 0.01, batch 100. Without regularization training " +
      "accuracy reaches 1.0 while test accuracy stays far below (overfitting). Weight decay " +
      "(the book: λ = 0.1) or dropout (the book: ratio 0.2) narrows the gap.",
  });
  const epochs = numberField("エポック数", "Epochs", 201, { min: 1, max: 500, step: 1, testid: "of-epochs" });
  const wd = numberField("Weight decay λ", "Weight decay λ", 0, { min: 0, max: 10, testid: "of-wd" });
  const dr = numberField("Dropout 比率", "Dropout ratio", 0, { min: 0, max: 0.9, testid: "of-dropout" });
  const plotEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-overfitting" });
  const summary = h("div", { class: "lab-mono", "data-testid": "of-summary" });
  const runs = []; // earlier runs stay on the chart, so settings can be compared
  let cur = null;
  let maxEpochs = 201;
  const redraw = frameScheduler(draw);
  const ctl = jobControls(ui, "overfitting", {
    testid: "of",
    start() {
      cur = { label: `λ=${wd.value}, dropout=${dr.value}`, epoch: [], train: [], test: [] };
      maxEpochs = Math.max(...runs.map((r) => r.epochs || 0), epochs.value);
      cur.epochs = epochs.value;
      runs.push(cur);
      if (runs.length > 3) runs.shift();
      draw();
      return { epochs: epochs.value, weight_decay: wd.value, dropout: dr.value, test_size: 2000 };
    },
    progress(d) {
      cur.epoch.push(d.epoch); cur.train.push(d.train_acc); cur.test.push(d.test_acc);
      summary.textContent = `${L("エポック", "epoch")} ${d.epoch}: train ${fmt(d.train_acc)} · ` +
        `test ${fmt(d.test_acc)} · gap ${fmt(d.train_acc - d.test_acc)}`;
      redraw();
    },
    result() { draw(); },
  });
  const preset = (lam, drop) => () => { wd.input.value = lam; dr.input.value = drop; ctl.go(); };
  ui.controls.append(epochs.label, wd.label, dr.label, ctl.runBtn, ctl.stopBtn,
    button("正則化なし", "No regularization", preset(0, 0), "of-none"),
    button("λ = 0.1（本）", "λ = 0.1 (book)", preset(0.1, 0), "of-decay"),
    button("Dropout 0.2（本）", "Dropout 0.2 (book)", preset(0, 0.2), "of-drop"));
  ui.body.append(summary, plotEl);

  function draw() {
    const data = [];
    const dashes = ["dot", "dash", "solid"];
    runs.forEach((r, i) => {
      const dash = dashes[dashes.length - runs.length + i];
      const mode = r === cur ? "lines+markers" : "lines";
      data.push({ type: "scatter", mode, marker: { size: 3 }, name: `train (${r.label})`,
        x: r.epoch, y: r.train, line: { color: "#1f77b4", dash } });
      data.push({ type: "scatter", mode, marker: { size: 3 }, name: `test (${r.label})`,
        x: r.epoch, y: r.test, line: { color: "#ff7f0e", dash } });
    });
    chart(plotEl, data, { xaxis: { title: { text: L("エポック", "epochs") }, range: [0, maxEpochs] },
      yaxis: { title: { text: L("認識精度", "accuracy") }, range: [0, 1.02] }, height: 380 });
  }
  ctl.go();
  return { unmount() { ctl.close(); purge(plotEl); ui.root.remove(); }, relabel: draw };
}
