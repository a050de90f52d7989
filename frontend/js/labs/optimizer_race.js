// Lab: optimizer race on 2-D surfaces (ch. 6 §6.1). The server runs the engine's optimizers
// on the point (x, y); this view animates all paths over a contour plot.
import { h } from "../dom.js";
import { pick } from "../i18n.js";
import { api } from "../api.js";
import { drawPlot, purgePlots } from "../components/plot.js";
import { COLORS, button, checkbox, frame, numberField, say, selectField, showError, showStatus, sayInto } from "./common.js";

const RACERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];
const BOOK_FOUR = ["sgd", "momentum", "adagrad", "adam"];
const NAMES = { sgd: "SGD", momentum: "Momentum", nesterov: "Nesterov", adagrad: "AdaGrad",
  rmsprop: "RMSProp", adam: "Adam" };

export const lab = {
  id: "optimizer_race",
  chapter: "6.1",
  title: { ja: "最適化手法の比較（2次元）", en: "Optimizer race on 2-D surfaces" },
  summary: {
    ja: "SGD・Momentum・AdaGrad・Adam などが f(x, y) = x²/20 + y² の最小値へ向かう経路を比べます。",
    en: "Watch SGD, Momentum, AdaGrad, Adam and friends walk down f(x, y) = x²/20 + y².",
  },
  book: { ja: "x²/20 + y² を (−7, 2) から30回：SGD はジグザグ、Momentum は転がるように、AdaGrad と Adam はまっすぐ近づく（図6-8）",
    en: "x²/20 + y² from (−7, 2), 30 steps: SGD zigzags, Momentum rolls, AdaGrad and Adam head straight in (figure 6-8)" },
  mount,
};

function mount(el, ctx) {
  const ui = frame(el, lab, {
    ja: "『ゼロから作るDeep Learning』6.1節の図6-8を再現します。SGDは勾配の方向へ進むため、" +
      "y方向に急でx方向に緩やかな関数ではジグザグに進みます。Momentumは速度を持ち、" +
      "AdaGradは学習係数を要素ごとに減衰させ、Adamはその両方を組み合わせます。" +
      "学習係数を変えたり、等高線をクリックして開始点を変えたりしてみてください。",
    en: "Reproduces figure 6-8 of Deep Learning from Scratch §6.1. SGD follows the gradient, so " +
      "on a function that is steep in y and flat in x it zig-zags. Momentum keeps a velocity, " +
      "AdaGrad decays the learning rate per element, Adam combines both. Edit the learning " +
      "rates, or click on the contour plot to move the start point.",
  });
  let surfaces = [];
  let result = null;
  let step = 0;
  let timer = null;
  const surface = selectField("関数", "Surface", [["book", "x²/20 + y²（本）", "x²/20 + y² (book)"],
    ["rosenbrock", "ローゼンブロック", "Rosenbrock"], ["saddle", "鞍点", "Saddle"],
    ["plateau", "プラトー", "Plateau"]], "book", "race-surface");
  const steps = numberField("ステップ数", "Steps", 30, { min: 1, max: 500, step: 1, testid: "race-steps" });
  const sx = numberField("開始 x", "Start x", -7, { testid: "race-x" });
  const sy = numberField("開始 y", "Start y", 2, { testid: "race-y" });
  const lrs = Object.fromEntries(RACERS.map((n) => [n, numberField(`${NAMES[n]} η`, `${NAMES[n]} lr`,
    0.1, { min: 0, testid: `race-lr-${n}`, width: 5 })]));
  const run = button("実行", "Run", () => compute(), "race-run");
  // The book draws figure 6-8 as four panels, one per method: on one plot AdaGrad hides
  // under RMSProp and Adam.
  const panels = checkbox("本の4つの図", "The book's four panels", false, "race-panels");
  panels.input.addEventListener("change", () => draw());
  const play = button("再生", "Play", () => toggle(), "race-play");
  const slider = h("input", { type: "range", min: 0, max: 30, value: 0, "data-testid": "race-slider",
    oninput: () => { pause(); step = Number(slider.value); draw(); } });
  const stepLabel = h("span", { class: "lab-mono" }, "0");
  ui.controls.append(surface.label, steps.label, sx.label, sy.label, run, panels.label,
    h("div", { class: "lab-row" }, ...RACERS.map((n) => lrs[n].label)));
  const plotEl = h("div", { class: "lab-plot lab-plot-tall", "data-testid": "lab-plot-optimizer_race" });
  const table = h("div", { class: "lab-table" });
  ui.body.append(h("div", { class: "lab-row" }, play, slider, say("ステップ", "step"), stepLabel),
    plotEl, table);

  surface.select.addEventListener("change", () => applyDefaults(true));

  function applyDefaults(runNow) {
    const s = surfaces.find((x) => x.name === surface.select.value);
    if (!s) return;
    sx.input.value = s.start[0]; sy.input.value = s.start[1];
    steps.input.value = s.steps;
    for (const n of RACERS) lrs[n].input.value = s.lrs[n];
    if (runNow) compute();
  }

  async function compute() {
    pause();
    showStatus(ui.status, "計算中…", "Computing…");
    try {
      const t0 = performance.now();
      result = await api.lab("/optimizer-race", {
        surface: surface.select.value, steps: steps.value, start: [sx.value, sy.value],
        lrs: Object.fromEntries(RACERS.map((n) => [n, lrs[n].value])),
      });
      slider.max = result.steps;
      step = result.steps;
      slider.value = step;
      draw();
      hookClicks();
      showStatus(ui.status, `完了（${Math.round(performance.now() - t0)} ms）`,
        `Done (${Math.round(performance.now() - t0)} ms)`);
    } catch (err) { showError(ui.status, err); }
  }

  function drawPanels() {
    const g = result.grid;
    const shown = BOOK_FOUR.filter((n) => result.paths[n]);
    const data = [];
    const annotations = [];
    const layout = { grid: { rows: 2, columns: 2, pattern: "independent", xgap: 0.08, ygap: 0.14 },
      height: 640, showlegend: false, uirevision: result.surface, annotations };
    shown.forEach((n, i) => {
      const k = i ? i + 1 : "";
      const p = result.paths[n].slice(0, step + 1);
      data.push({ type: "contour", x: g.x, y: g.y, z: g.z, showscale: false, colorscale: "Greys",
        reversescale: true, ncontours: 25, contours: { coloring: "lines" }, hoverinfo: "skip",
        xaxis: `x${k}`, yaxis: `y${k}` });
      data.push({ type: "scatter", mode: "lines+markers", x: p.map((q) => q[0]), y: p.map((q) => q[1]),
        name: NAMES[n], line: { color: COLORS[n], width: 2 }, marker: { size: 4 }, xaxis: `x${k}`, yaxis: `y${k}` });
      annotations.push({ text: `<b>${NAMES[n]}</b> (${result.lrs[n]})`, xref: `x${k} domain`, yref: `y${k} domain`,
        x: 0.02, y: 0.98, xanchor: "left", yanchor: "top", showarrow: false, font: { color: COLORS[n] } });
      layout[`xaxis${k}`] = { range: result.x_range, title: { text: "x" } };
      layout[`yaxis${k}`] = { range: result.y_range, title: { text: "y" } };
    });
    drawPlot(plotEl, data, layout);
  }

  function draw() {
    if (!result) return;
    if (panels.input.checked) { stepLabel.textContent = String(step); drawPanels(); drawTable(); return; }
    const g = result.grid;
    const data = [{ type: "contour", x: g.x, y: g.y, z: g.z, showscale: false, hoverinfo: "x+y+z",
      colorscale: "Greys", reversescale: true, ncontours: 25, contours: { coloring: "lines" },
      name: "f" }];
    for (const n of Object.keys(result.paths)) {
      const p = result.paths[n].slice(0, step + 1);
      data.push({ type: "scatter", mode: "lines+markers", name: `${NAMES[n]} (${result.lrs[n]})`,
        x: p.map((q) => q[0]), y: p.map((q) => q[1]), line: { color: COLORS[n], width: 2 },
        marker: { size: 4 } });
    }
    data.push({ type: "scatter", mode: "markers", x: [0], y: [0], name: pick("最小値", "minimum"),
      marker: { symbol: "cross", size: 10, color: "#000" }, showlegend: false });
    stepLabel.textContent = String(step);
    drawPlot(plotEl, data, {
      title: { text: result.formula.replace(/\^2/g, "²") }, xaxis: { range: result.x_range, title: { text: "x" } },
      yaxis: { range: result.y_range, title: { text: "y" } }, height: 460, uirevision: result.surface,
    });
    drawTable();
  }

  function drawTable() {
    table.replaceChildren(h("table", {}, h("tr", {}, h("th", {}, ""), ...Object.keys(result.paths)
      .map((n) => h("th", { style: { color: COLORS[n] } }, NAMES[n]))),
    h("tr", {}, say("最終 f", "final f", "td"), ...Object.keys(result.paths)
      .map((n) => h("td", {}, Number(result.final_loss[n]).toPrecision(3))))));
    ui.here(Object.keys(result.paths).map((n) => `${NAMES[n]} f = ${Number(result.final_loss[n]).toPrecision(2)}`).join(", "));
  }

  let hooked = false;
  function hookClicks() {
    if (hooked) return;
    hooked = true;
    plotEl.on("plotly_click", (ev) => {
      const pt = ev.points?.[0];
      if (!pt) return;
      sx.input.value = Number(pt.x).toFixed(2);
      sy.input.value = Number(pt.y).toFixed(2);
      compute();
    });
  }

  function toggle() { if (timer) pause(); else playAnim(); }
  function playAnim() {
    if (!result) return;
    if (step >= result.steps) step = 0;
    play.dataset.ja = "一時停止"; play.dataset.en = "Pause";
    sayInto(play, (pick) => pick("一時停止", "Pause"));
    timer = setInterval(() => {
      step += 1;
      slider.value = step;
      draw();
      if (step >= result.steps) pause();
    }, 120);
  }
  function pause() {
    if (timer) clearInterval(timer);
    timer = null;
    play.dataset.ja = "再生"; play.dataset.en = "Play";
    sayInto(play, (pick) => pick("再生", "Play"));
  }

  api.lab("").then((cat) => { surfaces = cat.surfaces; applyDefaults(true); })
    .catch((err) => showError(ui.status, err));
  return { unmount() { pause(); purgePlots(plotEl); ui.root.remove(); }, relabel: draw };
}
