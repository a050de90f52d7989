// Lab: Batch Normalization across weight scales (ch. 6 §6.3, batch_norm_test.py).
import { h, frameBatcher } from "../dom.js";
import { pick } from "../i18n.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { button, checkbox, fmt, frame, jobControls, numberField } from "./common.js";

export const lab = {
  id: "batch_norm",
  chapter: "6.3",
  title: { ja: "Batch Normalization", en: "Batch Normalization" },
  summary: { ja: "重みの初期値のスケールを変えながら、Batch Normの有無で学習の進み方を比べます。",
    en: "With and without BatchNorm, across 16 weight scales from 1 to 1e-4." },
  book: { ja: "ほぼすべての重みの初期値で、Batch Norm ありのほうが速く学習し、W=1e-4 のような小さな値でも学習が進む（図6-19）",
    en: "at almost every weight scale BatchNorm learns faster, and it still learns at scales as small as 1e-4 (figure 6-19)" },
  mount,
};

const SCALES = Array.from({ length: 16 }, (_, i) => 10 ** (-4 * i / 15));

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "6.3節（batch_norm_test.py）の実験です。訓練データ1000枚、784→100×5→10 の ReLU " +
      "ネットワーク、SGD（η=0.01）、バッチサイズ100。重みの初期値の標準偏差を1から1e-4まで16通りに" +
      "変え、Batch Normあり（実線）となし（破線）の訓練データの認識精度を比べます。Batch Normを" +
      "使うと、初期値に頑健になり学習も速く進みます。",
    en: "§6.3 (batch_norm_test.py): 1,000 training images, a 784→100×5→10 ReLU net, SGD lr " +
      "0.01, batch 100. The weight std goes from 1 down to 1e-4 in 16 steps; the panels show " +
      "training accuracy with BatchNorm (solid) and without (dashed). BatchNorm makes training " +
      "robust to the initial scale and faster.",
  });
  const epochs = numberField("エポック数", "Epochs", 8, { min: 1, max: 100, step: 1, testid: "bn-epochs" });
  const all = checkbox("16通りすべて（オフなら4通り）", "All 16 scales (else 4)", false, "bn-all");
  const plotEl = h("div", { class: "lab-plot lab-plot-tall", "data-testid": "lab-plot-batch_norm" });
  let panels = {};
  let shownEpochs = 8;
  const redraw = frameBatcher(draw);
  const ctl = jobControls(ui, "batch_norm", {
    testid: "bn",
    start() {
      const scales = all.input.checked ? [...SCALES.keys()] : [0, 5, 10, 15];
      panels = Object.fromEntries(scales.map((i) => [i, { bn: [], plain: [], epochs: [] }]));
      shownEpochs = epochs.value;
      draw();
      return { epochs: epochs.value, scales };
    },
    progress(d) {
      const p = panels[d.scale_index];
      if (!p) return;
      p.epochs.push(d.epoch); p.bn.push(d.train_acc.bn); p.plain.push(d.train_acc.plain);
      redraw();
    },
    result() {
      draw();
      const last = Object.values(panels).map((p) => `${fmt(p.bn.at(-1), 2)}/${fmt(p.plain.at(-1), 2)}`);
      ui.here({ ja: `最終エポックの訓練精度（BN あり/なし）: ${last.join(" ")}`, en: `final training accuracy (BN/plain): ${last.join(" ")}` });
    },
  });
  const book = button("本の設定（16通り・20エポック）", "Book's setting (16 scales, 20 epochs)", () => {
    epochs.input.value = 20; all.input.checked = true; ctl.go();
  }, "bn-book");
  ui.controls.append(epochs.label, all.label, ctl.runBtn, ctl.stopBtn, book);
  ui.body.append(plotEl);

  function draw() {
    const keys = Object.keys(panels).map(Number);
    const cols = keys.length > 4 ? 4 : keys.length || 1;
    const rows = Math.max(1, Math.ceil(keys.length / cols));
    const data = [];
    const annotations = [];
    keys.forEach((i, j) => {
      const k = j + 1;
      const p = panels[i];
      data.push({ type: "scatter", mode: "lines+markers", marker: { size: 4 }, x: p.epochs, y: p.bn, xaxis: `x${k}`, yaxis: `y${k}`,
        name: pick("Batch Normあり", "with BatchNorm"), line: { color: "#d62728" }, showlegend: j === 0,
        legendgroup: "bn" });
      data.push({ type: "scatter", mode: "lines+markers", marker: { size: 4 }, x: p.epochs, y: p.plain,
        xaxis: `x${k}`,
        yaxis: `y${k}`, name: pick("Batch Normなし", "without BatchNorm"),
        line: { color: "#1f77b4", dash: "dash" }, showlegend: j === 0, legendgroup: "plain" });
      annotations.push({ text: `W: ${SCALES[i].toExponential(1)}`, xref: `x${k} domain`,
        yref: `y${k} domain`, x: 0.5, y: 1.15, showarrow: false, font: { size: 11 } });
    });
    // The legend goes under the bottom row's axis titles, a fixed 46 px below the plots
    // (at y = -0.08 of the figure it sat on the first panel's "エポック").
    const height = 170 * rows + 110;
    const margin = { l: 40, r: 10, t: 30, b: 70 };
    const layout = { grid: { rows, columns: cols, pattern: "independent", ygap: 0.35, xgap: 0.06 },
      annotations, height, margin,
      legend: { orientation: "h", y: -46 / (height - margin.t - margin.b), yanchor: "top" } };
    keys.forEach((_, j) => {
      // Axis titles on the outer panels only, few ticks: small multiples stay readable.
      const left = j % cols === 0;
      const bottom = j >= keys.length - cols;
      layout[`yaxis${j ? j + 1 : ""}`] = { range: [0, 1.02], dtick: 0.5, tickfont: { size: 9 },
        title: left ? { text: pick("訓練精度", "train acc"), font: { size: 10 } } : undefined };
      layout[`xaxis${j ? j + 1 : ""}`] = { range: [0, shownEpochs], nticks: 4, tickfont: { size: 9 },
        title: bottom ? { text: pick("エポック", "epochs"), font: { size: 10 } } : undefined };
    });
    drawPlot(plotEl, data, layout);
  }
  ctl.go();
  return { unmount() { ctl.close(); purgePlots(plotEl); ui.root.remove(); }, relabel: draw };
}
