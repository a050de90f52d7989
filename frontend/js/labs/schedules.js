// Lab: learning-rate schedules on the same network and the same mini-batches.
import { h, frameBatcher } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { fmt, frame, jobControls, numberField, both, sayInto } from "./common.js";

export const lab = {
  id: "schedules",
  chapter: "6",
  title: { ja: "学習率のスケジュール", en: "Learning-rate schedules" },
  summary: { ja: "一定・ステップ減衰・コサイン・ウォームアップを同じネットワークで比べます。",
    en: "Constant, step decay, cosine and warm-up on the same net, curves overlaid." },
  book: { ja: "本では学習率は一定（6.1節。AdaGrad が内部で減衰させるだけ）。本にない実験です",
    en: "the book keeps the learning rate constant (§6.1; only AdaGrad decays it inside): not a book experiment" },
  mount,
};

const NAMES = { constant: ["一定", "constant"], step: ["ステップ減衰", "step decay"], cosine: ["コサイン", "cosine"],
  warmup_cosine: ["ウォームアップ+コサイン", "warm-up + cosine"] };
const COLORS = { constant: "#7f7f7f", step: "#1f77b4", cosine: "#2ca02c", warmup_cosine: "#d62728" };

function mount(el) {
  const ui = frame(el, lab, {
    ja: "784→100→100→10 の ReLU ネットワーク（Heの初期値、SGD、基準の学習率 0.1、バッチ100）を1万枚で学習します。" +
      "すべて同じ初期値から始め、同じミニバッチで1ステップずつ進めるので（本の比較スクリプトと同じ方法）、違いはスケジュールだけです。" +
      "ステップ減衰は半分と3/4の時点で ×0.1、コサインは 1 から 0 へなめらかに、ウォームアップは最初の10%で 0 から 1 に上げてからコサインです。",
    en: "A 784→100→100→10 ReLU net (He init, SGD, base lr 0.1, batch 100) on 10,000 images. " +
      "Every net starts from the same weights and steps on the same mini-batch (the method of the " +
      "book's compare scripts), so only the schedule differs. Step decay multiplies by 0.1 at half " +
      "and at three quarters; cosine glides from 1 to 0; warm-up climbs from 0 to 1 over the first " +
      "10% and then follows the cosine.",
  });
  const iters = numberField("繰り返し回数", "Iterations", 1000, { min: 10, max: 5000, step: 10, testid: "sch-iters" });
  const lr = numberField("基準の学習率", "Base lr", 0.1, { min: 0, testid: "sch-lr", width: 5 });
  const lossEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-schedules" });
  const lrEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-schedules-lr" });
  const info = h("div", { class: "lab-mono", "data-testid": "sch-info" });
  let curves = {};
  const redraw = frameBatcher(draw);
  const ctl = jobControls(ui, "lr_schedules", {
    testid: "sch",
    start() {
      curves = Object.fromEntries(Object.keys(NAMES).map((n) => [n, { x: [], loss: [], lr: [] }]));
      info.textContent = "";
      draw();
      return { iterations: iters.value, lr: lr.value };
    },
    progress(d) {
      for (const n of Object.keys(d.loss)) {
        curves[n].x.push(d.iteration); curves[n].loss.push(d.loss[n]); curves[n].lr.push(d.lr[n]);
      }
      redraw();
    },
    result(r) {
      draw();
      sayInto(info, (pick) => Object.entries(r.test_accuracy).map(([n, a]) => `${pick(...NAMES[n])}: ${fmt(a, 3)}`)
        .join(" · ") + ` (${pick("テストの認識精度", "test accuracy")}, ${r.test_size})`);
      ui.here(both((pick) => Object.entries(r.test_accuracy).map(([n, a]) => `${pick(...NAMES[n])} ${fmt(a, 3)}`).join(", ")));
    },
  });
  ui.controls.append(iters.label, lr.label, ctl.runBtn, ctl.stopBtn);
  ui.body.append(info, lossEl, lrEl);

  function draw() {
    const series = (key) => Object.entries(curves).map(([n, c]) => ({ type: "scatter", mode: "lines+markers",
      marker: { size: 3 }, x: c.x, y: c[key], name: pick(...NAMES[n]), line: { color: COLORS[n] } }));
    drawPlot(lossEl, series("loss"), { height: 340, xaxis: { title: { text: pick("繰り返し回数", "iterations") }, range: [0, iters.value] },
      yaxis: { title: { text: pick("損失（区間平均）", "loss (mean per report)") }, rangemode: "tozero" } });
    drawPlot(lrEl, series("lr"), { height: 240, showlegend: false,
      xaxis: { title: { text: pick("繰り返し回数", "iterations") }, range: [0, iters.value] },
      yaxis: { title: { text: pick("学習率", "learning rate") }, rangemode: "tozero" } });
  }
  draw();
  ctl.go();
  return { unmount() { ctl.close(); purgePlots(lossEl, lrEl); ui.root.remove(); }, relabel: draw };
}
