// Training settings: dataset, subset sizes, optimizer and its hyperparameters, lr, λ, batch, epochs, seed.
import { h, clear } from "../dom.js";
import { t, has } from "../i18n.js";

export const DEFAULT_TRAINING = {
  dataset: "mnist", train_size: 2000, test_size: 500,
  optimizer: { name: "adam" }, lr: 0.001, lr_decay: 1, weight_decay: 0, batch_size: 100, epochs: 2, seed: 0,
};

function num(testid, value, step = "any", min = null) {
  return h("input", { type: "number", step, min, value: String(value), testid, class: "num" });
}

function labelled(key, control) {
  return h("label", { class: "field" }, h("span", { class: "field-label", i18n: key }, t(key)), control);
}

/** createSettings(el, {meta, onChange(cfg), onDataset(name)}) -> {get(), set(cfg)} */
export function createSettings(el, { meta, onChange, onDataset }) {
  const dataset = h("select", { testid: "dataset-select" },
    meta.datasets.map((d) => h("option", { value: d.name, disabled: d.available === false, "data-i18n": has(`ds.${d.name}`) ? `ds.${d.name}` : null },
      has(`ds.${d.name}`) ? t(`ds.${d.name}`) : d.name)));
  const trainSize = num("train-size", DEFAULT_TRAINING.train_size, 1, 1);
  const testSize = num("test-size", DEFAULT_TRAINING.test_size, 1, 1);
  const optimizer = h("select", { testid: "optimizer-select" }, meta.optimizers.map((o) => h("option", { value: o.name }, o.name)));
  const lr = num("lr-input", DEFAULT_TRAINING.lr);
  const wd = num("weight-decay", DEFAULT_TRAINING.weight_decay, "any", 0);
  // Multiplies the learning rate after each epoch (SimpleConvNet's preset uses 0.4).
  const lrDecay = h("input", { type: "number", step: "any", min: "0", max: "1", value: "1", testid: "lr-decay", class: "num" });
  const batch = num("batch-size", DEFAULT_TRAINING.batch_size, 1, 1);
  const epochs = num("epochs", DEFAULT_TRAINING.epochs, 1, 1);
  const seed = num("seed", DEFAULT_TRAINING.seed, 1, 0);
  const hyper = h("div", { class: "hyper", testid: "optimizer-params" });
  let hyperInputs = {};

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

  function get() {
    const opt = { name: optimizer.value };
    for (const [k, inp] of Object.entries(hyperInputs)) if (inp.value !== "") opt[k] = Number(inp.value);
    return {
      dataset: dataset.value, train_size: Number(trainSize.value), test_size: Number(testSize.value),
      optimizer: opt, lr: Number(lr.value), lr_decay: Number(lrDecay.value), weight_decay: Number(wd.value),
      batch_size: Number(batch.value), epochs: Number(epochs.value), seed: Number(seed.value),
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
    batch.value = c.batch_size;
    epochs.value = c.epochs;
    seed.value = c.seed;
    renderHyper(typeof c.optimizer === "object" ? c.optimizer : {});
  }

  el.append(h("div", { class: "settings", testid: "training-settings" },
    labelled("train.dataset", dataset), labelled("train.train_size", trainSize), labelled("train.test_size", testSize),
    labelled("train.optimizer", optimizer), labelled("train.lr", lr), labelled("train.weight_decay", wd),
    hyper, labelled("train.lr_decay", lrDecay),
    labelled("train.batch_size", batch), labelled("train.epochs", epochs), labelled("train.seed", seed)));
  el.addEventListener("change", () => onChange(get()));
  // The change event then bubbles to the listener above, which reports it once.
  optimizer.addEventListener("change", () => renderHyper());
  dataset.addEventListener("change", () => onDataset(dataset.value));
  const firstAvailable = meta.datasets.find((d) => d.available !== false);
  if (firstAvailable && !meta.datasets.some((d) => d.name === DEFAULT_TRAINING.dataset && d.available !== false)) dataset.value = firstAvailable.name;
  renderHyper();
  return { get, set, lrInput: lr };
}
