// Training settings: dataset, subset sizes, optimizer and its hyperparameters, lr, λ, batch,
// epochs, seed, run name. Changing the optimizer sets its own default learning rate and says so.
import { h, clear } from "../dom.js";
import { t, has, onLangChange } from "../i18n.js";
import { helpButton } from "./help.js";

export const DEFAULT_TRAINING = {
  dataset: "mnist", train_size: 2000, test_size: 500,
  optimizer: { name: "adam" }, lr: 0.001, lr_decay: 1, lr_schedule: "step", weight_decay: 0, batch_size: 100, epochs: 2, seed: 0,
};

// Where the book introduces each optimizer (ch. 6); the defaults come from /api/meta and are
// the book's own (common/optimizer.py): SGD, Momentum, AdaGrad, RMSprop 0.01, Adam 0.001.
const BOOK_SECTION = { sgd: "6.1.2", momentum: "6.1.4", nesterov: null, adagrad: "6.1.5", rmsprop: null, adam: "6.1.6" };

function num(testid, value, step = "any", min = null) {
  return h("input", { type: "number", step, min, value: String(value), testid, class: "num" });
}

function labelled(key, control, helpKey) {
  return h("label", { class: "field" },
    h("span", { class: "field-label" }, h("span", { i18n: key }, t(key)), helpKey ? helpButton(helpKey, `help-${helpKey.split(".").pop()}`) : null),
    control);
}

export const optLabel = (name) => (has(`opt.${name}`) ? t(`opt.${name}`) : name);

/** createSettings(el, {meta, onChange(cfg), onDataset(name)}) -> {get(), set(cfg), lrInput} */
export function createSettings(el, { meta, onChange, onDataset }) {
  const dataset = h("select", { testid: "dataset-select" },
    meta.datasets.map((d) => h("option", { value: d.name, disabled: d.available === false, "data-i18n": has(`ds.${d.name}`) ? `ds.${d.name}` : null },
      has(`ds.${d.name}`) ? t(`ds.${d.name}`) : d.name)));
  const trainSize = num("train-size", DEFAULT_TRAINING.train_size, 1, 1);
  const testSize = num("test-size", DEFAULT_TRAINING.test_size, 1, 1);
  const optimizer = h("select", { testid: "optimizer-select" },
    meta.optimizers.map((o) => h("option", { value: o.name, "data-i18n": has(`opt.${o.name}`) ? `opt.${o.name}` : null }, optLabel(o.name))));
  const lr = num("lr-input", DEFAULT_TRAINING.lr);
  const lrNote = h("span", { class: "field-note", testid: "lr-note", "aria-live": "polite" });
  const wd = num("weight-decay", DEFAULT_TRAINING.weight_decay, "any", 0);
  // Multiplies the learning rate after each epoch (SimpleConvNet's preset uses 0.4).
  const lrDecay = h("input", { type: "number", step: "any", min: "0", max: "1", value: "1", testid: "lr-decay", class: "num" });
  // Within an epoch: constant ("step", the book's), or a warm-up then a straight fall to zero.
  const lrSchedule = h("select", { testid: "lr-schedule" },
    ["step", "linear"].map((v) => h("option", { value: v, "data-i18n": `sched.${v}` }, t(`sched.${v}`))));
  const batch = num("batch-size", DEFAULT_TRAINING.batch_size, 1, 1);
  const epochs = num("epochs", DEFAULT_TRAINING.epochs, 1, 1);
  const seed = num("seed", DEFAULT_TRAINING.seed, 1, 0);
  const runName = h("input", { type: "text", testid: "run-name", class: "num", maxlength: 100, "data-i18n-placeholder": "train.run_name_auto", placeholder: t("train.run_name_auto") });
  const hyper = h("div", { class: "hyper", testid: "optimizer-params" });
  let hyperInputs = {};
  let noteVars = null;

  function defaultLr(name) {
    return meta.optimizers.find((o) => o.name === name)?.params?.lr;
  }

  function renderHyper(values = {}) {
    clear(hyper);
    hyperInputs = {};
    const opt = meta.optimizers.find((o) => o.name === optimizer.value);
    for (const [k, def] of Object.entries(opt?.params || {})) {
      if (k === "lr" || k === "weight_decay") continue; // they have their own fields
      const inp = num(`opt-${k}`, values[k] ?? def);
      hyperInputs[k] = inp;
      const key = `hp.${k}`;
      hyper.append(h("label", { class: "field" }, h("span", { class: "field-label", i18n: has(key) ? key : null }, has(key) ? t(key) : k), inp));
    }
  }

  function showNote() {
    if (!noteVars) { lrNote.textContent = ""; return; }
    const { name, value } = noteVars;
    const section = BOOK_SECTION[name];
    lrNote.textContent = t("lr.default_set", { lr: value, opt: optLabel(name), book: section ? t("lr.book", { section }) : "" });
  }

  function get() {
    const opt = { name: optimizer.value };
    for (const [k, inp] of Object.entries(hyperInputs)) if (inp.value !== "") opt[k] = Number(inp.value);
    return {
      dataset: dataset.value, train_size: Number(trainSize.value), test_size: Number(testSize.value),
      optimizer: opt, lr: Number(lr.value), lr_decay: Number(lrDecay.value), lr_schedule: lrSchedule.value,
      weight_decay: Number(wd.value), batch_size: Number(batch.value), epochs: Number(epochs.value), seed: Number(seed.value),
    };
  }

  function set(cfg) {
    const c = { ...DEFAULT_TRAINING, ...cfg };
    if ([...dataset.options].some((o) => o.value === c.dataset && !o.disabled)) dataset.value = c.dataset;
    trainSize.value = c.train_size;
    testSize.value = c.test_size;
    const optName = c.optimizer?.name || c.optimizer;
    if (meta.optimizers.some((o) => o.name === optName)) optimizer.value = optName;
    lr.value = c.optimizer?.lr ?? c.lr ?? DEFAULT_TRAINING.lr;
    wd.value = c.weight_decay;
    lrDecay.value = c.lr_decay ?? 1;
    lrSchedule.value = c.lr_schedule === "linear" ? "linear" : "step";
    batch.value = c.batch_size;
    epochs.value = c.epochs;
    seed.value = c.seed;
    noteVars = null;
    showNote();
    renderHyper(typeof c.optimizer === "object" ? c.optimizer : {});
  }

  el.append(h("div", { class: "settings", testid: "training-settings" },
    labelled("train.dataset", dataset, "help.train.dataset"), labelled("train.train_size", trainSize, "help.train.train_size"),
    labelled("train.test_size", testSize, "help.train.test_size"),
    labelled("train.optimizer", optimizer, "help.train.optimizer"), labelled("train.lr", lr, "help.train.lr"),
    labelled("train.weight_decay", wd, "help.train.weight_decay"),
    hyper, labelled("train.lr_decay", lrDecay, "help.train.lr_decay"),
    labelled("train.lr_schedule", lrSchedule, "help.train.lr_schedule"),
    labelled("train.batch_size", batch, "help.train.batch_size"), labelled("train.epochs", epochs, "help.train.epochs"),
    labelled("train.seed", seed, "help.train.seed"), labelled("train.run_name", runName, "help.train.run_name")),
  lrNote);
  el.addEventListener("change", (ev) => { if (ev.target !== runName) onChange(get()); });
  // Runs before the bubbling listener above, so the new lr is already in get().
  optimizer.addEventListener("change", () => {
    renderHyper();
    const d = defaultLr(optimizer.value);
    if (typeof d === "number") {
      lr.value = String(d);
      noteVars = { name: optimizer.value, value: d };
    }
    showNote();
  });
  lr.addEventListener("input", () => { noteVars = null; showNote(); });
  dataset.addEventListener("change", () => onDataset(dataset.value));
  onLangChange(showNote);
  const firstAvailable = meta.datasets.find((d) => d.available !== false);
  if (firstAvailable && !meta.datasets.some((d) => d.name === DEFAULT_TRAINING.dataset && d.available !== false)) dataset.value = firstAvailable.name;
  renderHyper();
  return { get, set, lrInput: lr, runName: () => runName.value.trim() };
}
