// Lab: SGD / Momentum / AdaGrad / Adam on MNIST (ch. 6 §6.1.8, optimizer_compare_mnist.py).
import { h, frameBatcher } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { COLORS, button, frame, jobControls, numberField, say, both } from "./common.js";

const BOOK = { sgd: 0.01, momentum: 0.01, adagrad: 0.01, adam: 0.001 };
const NAMES = { sgd: "SGD", momentum: "Momentum", adagrad: "AdaGrad", adam: "Adam" };

export const lab = {
  id: "optimizers_mnist",
  chapter: "6.1.8",
  title: { ja: "MNISTで最適化手法を比較", en: "Optimizers on MNIST" },
  summary: { ja: "5層のネットワークを4つの手法で学習し、損失関数の推移を重ねます。",
    en: "Train the book's 5-layer net with four optimizers and overlay their losses." },
  book: { ja: "2000回で SGD が最も遅く、Momentum・AdaGrad・Adam が速い（図6-9）",
    en: "after 2000 iterations SGD is the slowest; Momentum, AdaGrad and Adam learn faster (figure 6-9)" },
  mount,
};

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "6.1.8節（optimizer_compare_mnist.py）の実験です。784→100×4→10 の ReLU ネットワーク" +
      "（Heの初期値）を、バッチサイズ128で同じミニバッチを使って学習します。本の学習係数は " +
      "SGD 0.01・Momentum 0.01・AdaGrad 0.01・Adam 0.001、2000回の繰り返しです。" +
      "SGDより他の3手法のほうが速く学習が進みます。",
    en: "The experiment of §6.1.8 (optimizer_compare_mnist.py): a 784→100×4→10 ReLU net " +
      "(He init) trained with batch 128, every optimizer on the same mini-batches. The book " +
      "uses SGD 0.01, Momentum 0.01, AdaGrad 0.01, Adam 0.001 and 2000 iterations; the three " +
      "adaptive/momentum methods learn faster than SGD.",
  });
  const iters = numberField("繰り返し回数", "Iterations", 300, { min: 1, max: 5000, step: 1,
    testid: "optmnist-iterations" });
  const lrs = Object.fromEntries(Object.keys(BOOK).map((n) => [n, numberField(`${NAMES[n]} η`,
    `${NAMES[n]} lr`, BOOK[n], { min: 0, testid: `optmnist-lr-${n}`, width: 5 })]));
  const plotEl = h("div", { class: "lab-plot", "data-testid": "lab-plot-optimizers_mnist" });
  const curves = {};
  const redraw = frameBatcher(draw);
  const ctl = jobControls(ui, "optimizers_mnist", {
    testid: "optmnist",
    start() {
      for (const n of Object.keys(BOOK)) curves[n] = { x: [], y: [] };
      draw();
      return { iterations: iters.value, lrs: Object.fromEntries(Object.keys(BOOK)
        .map((n) => [n, lrs[n].value])) };
    },
    progress(d) {
      if (!d.loss) return;
      for (const [n, v] of Object.entries(d.loss)) { curves[n].x.push(d.iteration); curves[n].y.push(v); }
      redraw();
    },
    result(r) {
      draw();
      // A diverged optimizer's loss is NaN or infinite: say so instead of letting it vanish.
      const gone = Object.entries(r.final_loss).filter(([, v]) => !Number.isFinite(v)).map(([n]) => NAMES[n] || n);
      ui.here(both((pick) => Object.entries(r.final_loss).map(([n, v]) => `${NAMES[n] || n} ${Number.isFinite(v) ? v.toFixed(3) : pick("発散", "diverged")}`).join(", ")));
      if (gone.length) ui.status.append(" ", say(`発散: ${gone.join(", ")}（グラフに描けません）`, `diverged: ${gone.join(", ")} (cannot be drawn)`));
    },
  });
  const book = button("本の設定（2000回）", "Book's setting (2000 iterations)", () => {
    iters.input.value = 2000;
    for (const n of Object.keys(BOOK)) lrs[n].input.value = BOOK[n];
    ctl.go();
  }, "optmnist-book");
  ui.controls.append(iters.label, ...Object.values(lrs).map((f) => f.label), ctl.runBtn,
    ctl.stopBtn, book);
  ui.body.append(plotEl);

  function draw() {
    drawPlot(plotEl, Object.entries(curves).map(([n, c]) => ({ type: "scatter", mode: "lines+markers",
      marker: { size: 3 },
      name: NAMES[n], x: c.x, y: c.y, line: { color: COLORS[n] } })), {
      title: { text: pick("損失関数の値（10回平均）", "Loss (mean of 10 iterations)") },
      xaxis: { title: { text: pick("繰り返し回数", "iterations") }, range: [0, iters.value] },
      yaxis: { title: { text: pick("損失", "loss") }, rangemode: "tozero" }, height: 380,
    });
  }
  draw();
  ctl.go();
  return { unmount() { ctl.close(); purgePlots(plotEl); ui.root.remove(); }, relabel: draw };
}
