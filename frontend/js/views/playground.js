// The Playground tab: wires builder, settings, run panel and live views together via the bus.
import { h, clear, debounce } from "../dom.js";
import { t, onLangChange } from "../i18n.js";
import { api, ApiError } from "../api.js";
import { bus } from "../bus.js";
import { send, setStatuses } from "../run.js";
import { normaliseMeta, inputShapeFor, classesFor } from "../meta.js";
import { showError, toast } from "../toast.js";
import { configParam, decodeConfig, shareUrl, writeUrl } from "../urlstate.js";
import { createBuilder } from "../components/builder.js";
import { createModelBar } from "../components/modelbar.js";
import { createSettings } from "../components/settings.js";
import { createRunPanel } from "../components/runpanel.js";
import { createLossChart } from "../components/losschart.js";
import { createAccChart } from "../components/accchart.js";
import { createHistory } from "../components/history.js";
import { createHistograms } from "../components/histograms.js";
import { createFilters } from "../components/filters.js";
import { createEvaluation } from "../components/evaluation.js";
import { createDrawPanel } from "../components/drawpanel.js";
import { createBoundary } from "../components/boundary.js";
import { helpButton } from "../components/help.js";
import { setInitNames } from "../components/initselect.js";
import { presetText } from "../components/modelbar.js";
import { createExperiments } from "../components/experiments.js";

function panel(key, testid, helpKey, ...children) {
  return h("section", { class: "panel", testid },
    h("h2", {}, h("span", { i18n: key, class: "panel-title" }, t(key)), helpKey ? helpButton(helpKey, `help-${testid}`) : null), ...children);
}

/** Typing in a form control or pressing a button keeps its own Space and Escape. */
function ownsKeys(el) {
  return !!el?.closest?.("input, select, textarea, button, a, [contenteditable], canvas, .layer-card");
}

/** Build the playground into root. Returns {applyUrl()} so the router can load shared links. */
export async function mountPlayground(root) {
  let meta;
  try {
    meta = normaliseMeta(await api.meta());
  } catch (e) {
    showError(e);
    root.append(h("p", { class: "error-text", testid: "meta-error" }, e.message));
    return { applyUrl() {} };
  }
  setStatuses(meta.raw);
  setInitNames(meta.initializers);
  let specName = "custom";
  let edited = false;
  let init = null;
  let lastValidation = null;
  let lastError = null;
  let datasetName = null;
  let inputShape = null; // the spec's own input shape: [784] (flattened) or [1, 28, 28] (image)

  const modelBox = h("div");
  const builderBox = h("div");
  const inputSelect = h("select", { testid: "input-shape" });
  const settingsBox = h("div");
  const runBox = h("div");
  const runBar = h("div"); // Start/Pause/Resume/Stop above the curves, always in view
  const copyBtn = h("button", { type: "button", class: "btn", testid: "copy-link", i18n: "share.copy" }, t("share.copy"));
  const lossBox = h("div", { class: "card chart-card" });
  const accBox = h("div", { class: "card chart-card" });
  const historyBox = h("div", { class: "card wide" });
  const histBox = h("div", { class: "card" });
  const filterBox = h("div", { class: "card" });
  const evalBox = h("div", { class: "card wide" });
  const boundaryBox = h("div", { class: "card boundary-card", testid: "boundary-card" });
  const drawBox = h("div");
  const drawPanel = panel("panel.draw", "draw-panel", "help.chart.draw", drawBox);
  const drawTitle = drawPanel.querySelector(".panel-title");
  const tryBox = h("div");

  // Two columns from tablet width up: the setup on the left, and on the right the live curves
  // with the pad beside (or under) them. Everything that changes during a run (confusion
  // matrix, run table, histograms) sits below, and every live box keeps a fixed size, so
  // nothing moves under the pen (tests/browser/test_drawing.py measures it).
  root.append(h("div", { class: "playground", testid: "playground-view" },
    h("p", { class: "start-here", testid: "start-here" }, h("span", { i18n: "help.start" }, t("help.start")), " ", h("span", { class: "keys", i18n: "help.keys" }, t("help.keys"))),
    h("div", { class: "pg-main" },
      h("div", { class: "pg-setup" },
        panel("panel.model", "model-panel", null, modelBox,
          h("label", { class: "field inline input-row" }, h("span", { class: "field-label" }, h("span", { i18n: "builder.input" }, t("builder.input")), helpButton("help.train.input_shape", "help-input-shape")), inputSelect),
          builderBox),
        panel("panel.training", "training-panel", null, settingsBox, runBox, h("div", { class: "btn-row share" }, copyBtn)),
        panel("try.title", "try-panel", null, tryBox)),
      h("div", { class: "pg-live" },
        panel("panel.live", "live-panel", null, runBar, h("div", { class: "live-top" },
          h("div", { class: "curves" }, lossBox, accBox),
          h("div", { class: "pad-col" }, drawPanel, boundaryBox))))),
    h("div", { class: "live-grid pg-more" }, histBox, filterBox, evalBox, historyBox)));

  // 2-D toy sets get a decision-boundary map instead of the digit pad.
  const isToy = (name) => meta.datasets.find((d) => d.name === name)?.kind === "toy";
  function showDatasetViews() {
    boundaryBox.hidden = !isToy(datasetName);
    drawPanel.hidden = isToy(datasetName);
    const key = datasetName === "fashion_mnist" ? "panel.draw_fashion" : "panel.draw";
    drawTitle.dataset.i18n = key;
    drawTitle.textContent = t(key);
  }

  const classLabel = (i) => (datasetName === "fashion_mnist" ? t(`fashion.${i}`) : String(i));

  const currentSpec = () => ({ name: edited && specName !== "custom" ? `${specName}*` : specName, input_shape: inputShape, layers: builder.getLayers() });
  const findPreset = (n) => meta.presets.find((p) => p.name === n || p.spec?.name === n);
  /** "SimpleConvNet (ch. 7)" for a preset's name, marked when edited ("simple_conv_net*"). */
  const presetTitle = (name) => {
    const p = findPreset(String(name || "").replace(/\*$/, ""));
    if (!p) return t("model.custom");
    return presetText(p, "title") + (String(name).endsWith("*") ? t("runs.edited") : "");
  };

  /** Image datasets can feed the network as an image (for Conv2D) or flattened (for Dense). */
  function setInputShape(wanted) {
    const ds = inputShapeFor(meta, datasetName);
    const flat = [ds.reduce((a, b) => a * b, 1)];
    const options = ds.length > 1 ? [ds, flat] : [ds];
    const pick = options.find((o) => JSON.stringify(o) === JSON.stringify(wanted))
      || (wanted && wanted.length === 1 && ds.length > 1 ? flat : ds);
    inputShape = pick;
    clear(inputSelect);
    for (const o of options) inputSelect.append(h("option", { value: JSON.stringify(o), selected: o === pick }, o.join("×")));
  }
  inputSelect.addEventListener("change", () => { inputShape = JSON.parse(inputSelect.value); changed(); });
  const config = () => ({ spec: currentSpec(), training: settings.get(), init });

  const validate = debounce(async () => {
    modelBar.setSummary(null, null);
    const spec = currentSpec();
    try {
      lastValidation = await api.validate(spec);
      lastError = null;
      builder.showValidation(lastValidation);
      builder.showWarnings(lastValidation.warnings);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status === 0 || e.status >= 500) return showError(e);
      lastValidation = null;
      lastError = e;
      builder.showError(e);
    }
    modelBar.setSummary(lastValidation, lastError);
  }, 250);

  function changed() {
    writeUrl(config());
    validate();
  }

  const builder = createBuilder(builderBox, { onChange: () => { specName = specName || "custom"; edited = true; modelBar.setEdited(true); changed(); } });
  const modelBar = createModelBar(modelBox, {
    meta,
    getSpec: config,
    onLoad: (spec, training, presetName) => load({ spec, training: training || null, init: null }, presetName),
    onInit: (v) => { init = v; edited = true; modelBar.setEdited(true); changed(); },
  });
  const settings = createSettings(settingsBox, {
    meta,
    onChange: changed,
    onDataset: (name) => {
      // Keep the output layer in step with the number of classes the learner is likely to want.
      const before = classesFor(meta, datasetName);
      const after = classesFor(meta, name);
      const layers = builder.getLayers();
      const lastDense = [...layers].reverse().find((l) => l.type === "dense");
      if (lastDense && lastDense.units === before && before !== after) {
        lastDense.units = after;
        builder.setLayers(layers);
      }
      datasetName = name;
      setInputShape(inputShape);
      showDatasetViews();
      changed();
    },
  });
  datasetName = settings.get().dataset;
  setInputShape(null);

  const runPanel = createRunPanel(runBox, {
    controlsEl: runBar,
    buildRequest: () => {
      const s = settings.get();
      const { lr, ...rest } = s;
      const spec = currentSpec();
      return { ...rest, name: settings.runName() || presetTitle(spec.name), spec, init, loss: "softmax_cross_entropy",
        optimizer: { ...s.optimizer, lr }, eval_every: 0, probe_every: 20 };
    },
  });
  const lossChart = createLossChart(lossBox);
  const accChart = createAccChart(accBox);
  createHistory(historyBox, { lossChart, accChart, presetTitle });
  const hist = createHistograms(histBox);
  const filters = createFilters(filterBox);
  const evaluation = createEvaluation(evalBox, { classLabel, runId: () => runId });
  createDrawPanel(drawBox, { classLabel });
  const boundary = createBoundary(boundaryBox);
  showDatasetViews();

  // Live views follow the bus. An evaluation is fetched after an epoch only if the server did
  // not push one, so the confusion matrix appears either way.
  let evalTimer = null;
  let runId = null;
  // Bound to the run whose epoch ended: a timer left from the previous run must not ask the
  // next one (which may have no weights yet), and a late answer must not show on it.
  const fetchEval = (id) => async () => {
    if (!id || id !== runId) return;
    try {
      const ev = await api.evaluate(id);
      if (id === runId) evaluation.update(ev);
    } catch (e) {
      if (id === runId) showError(e);
    }
  };
  // Ask for the first conv layer's filters as soon as the run trains: that is "before training".
  // The first loss point means the weights exist on the server (asking earlier is an error).
  let askedFilters = false;
  let runLayers = [];
  bus.on("run:steps", () => {
    if (askedFilters) return;
    askedFilters = true;
    const conv = runLayers.findIndex((l) => l.type === "conv2d");
    if (conv >= 0) send({ type: "filters", layer: conv });
  });
  bus.on("run:new", (r) => { clearTimeout(evalTimer); pushedEval = null; runId = r.id; askedFilters = false; runLayers = r.config?.spec?.layers || builder.getLayers(); lossChart.reset(r.id); accChart.reset(r.id); hist.reset(); filters.reset(); evaluation.reset(); });
  bus.on("run:new", (r) => (isToy(r.config?.dataset) ? boundary.start(r.id) : boundary.reset()));
  bus.on("run:steps", () => boundary.refresh());
  bus.on("run:ended", () => boundary.refresh(true));
  bus.on("run:steps", (pts) => lossChart.addPoints(pts));
  bus.on("run:epoch", () => boundary.refresh(true));
  // The server pushes the epoch's evaluation just before the epoch row: ask only if it did not
  // (asking runs the whole test set through the model again).
  let pushedEval = null;
  bus.on("run:epoch", (e) => {
    accChart.addEpoch(e);
    clearTimeout(evalTimer);
    if (pushedEval !== e.epoch) evalTimer = setTimeout(fetchEval(runId), 1500);
  });
  bus.on("run:activations", (d) => hist.update(d));
  bus.on("run:filters", (d) => filters.update(d));
  bus.on("run:evaluation", (d) => { clearTimeout(evalTimer); pushedEval = d.epoch; evaluation.update(d); });

  copyBtn.addEventListener("click", async () => {
    const url = shareUrl(config());
    writeUrl(config());
    try {
      await navigator.clipboard.writeText(url);
      toast(t("share.copied"));
    } catch {
      // Clipboard needs a secure context; the address bar already holds the link.
      toast(t("share.in_address_bar"));
    }
  });

  onLangChange(() => {
    lossChart.relabel();
    accChart.relabel();
    evaluation.relabel();
    modelBar.setSummary(lastValidation, lastError);
    if (lastValidation) { builder.showValidation(lastValidation); builder.showWarnings(lastValidation.warnings); }
    if (lastError) builder.showError(lastError);
  });

  document.addEventListener("keydown", (ev) => {
    if (root.hidden || root.closest("[hidden]") || ev.ctrlKey || ev.metaKey || ev.altKey || ownsKeys(ev.target)) return;
    if (ev.key === " ") { ev.preventDefault(); runPanel.toggle(); }
    else if (ev.key === "Escape") runPanel.stop();
  });

  function load(cfg, presetName) {
    if (cfg.training) settings.set(cfg.training);
    const raw = cfg.spec.name || presetName || "custom";
    edited = raw.endsWith("*");
    const base = raw.replace(/\*$/, "");
    const preset = meta.presets.find((p) => p.name === presetName) || findPreset(base);
    datasetName = settings.get().dataset;
    setInputShape(cfg.spec.input_shape);
    showDatasetViews();
    specName = preset ? preset.name : base;
    init = cfg.init ?? null;
    modelBar.setInit(init);
    builder.setLayers(cfg.spec.layers || []);
    // A saved model (presetName null) keeps the picker's own choice.
    if (presetName !== null) modelBar.setLoaded(preset ? `preset:${preset.name}` : null);
    modelBar.setEdited(edited);
    changed();
  }
  createExperiments(tryBox, { meta, load });

  function applyUrl() {
    const c = configParam();
    if (!c) return false;
    try {
      load(decodeConfig(c));
      return true;
    } catch (e) {
      showError(t("share.bad_link", { detail: e.message }));
      return false;
    }
  }

  if (!applyUrl()) {
    const first = meta.presets.find((p) => p.name === "two_layer_net") || meta.presets[0];
    if (first) load({ spec: first.spec, training: { ...settings.get(), ...(first.training || {}) }, init: null }, first.name);
    else changed();
  }
  return { applyUrl };
}
