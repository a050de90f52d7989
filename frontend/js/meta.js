// Normalise GET /api/meta into the shapes the page uses, and hold the layer field schema
// (docs/architecture.md "Layer types and their fields") so the builder can render editors.
import { api } from "./api.js";

/** Every job's statuses (runs and labs), used until GET /api/meta answers with its own. */
export const FALLBACK_STATUSES = {
  statuses: ["queued", "running", "paused", "completed", "stopped", "failed", "diverged", "interrupted"],
  finished: ["completed", "stopped", "failed", "diverged", "interrupted"],
};

let statusesPromise = null;
/** {statuses, finished} from GET /api/meta (asked once per page), else the fallback. */
export function jobStatuses() {
  statusesPromise ??= api.meta().then((raw) => ({
    statuses: Array.isArray(raw?.statuses) ? raw.statuses : FALLBACK_STATUSES.statuses,
    finished: Array.isArray(raw?.finished) ? raw.finished : FALLBACK_STATUSES.finished,
  })).catch(() => FALLBACK_STATUSES);
  return statusesPromise;
}

/** Field kinds: int, float, bool, init, size (int or [kh,kw]), optint (blank = server default). */
export const LAYER_FIELDS = {
  dense: [["units", "int", 100], ["init", "init", ""], ["use_bias", "bool", true]],
  conv2d: [["filters", "int", 16], ["kernel_size", "size", 3], ["stride", "int", 1], ["padding", "int", 0], ["init", "init", ""]],
  maxpool2d: [["pool_size", "int", 2], ["stride", "optint", ""], ["padding", "int", 0]],
  avgpool2d: [["pool_size", "int", 2], ["stride", "optint", ""], ["padding", "int", 0]],
  flatten: [],
  batchnorm: [["momentum", "float", 0.9], ["eps", "float", 1e-5]],
  dropout: [["rate", "float", 0.5]],
  relu: [], sigmoid: [], tanh: [], identity: [], softmax: [],
  leakyrelu: [["alpha", "float", 0.01]],
};

/** The palette, in the order a learner meets the layers in the book. */
export const PALETTE = [
  "dense", "conv2d", "maxpool2d", "avgpool2d", "flatten", "batchnorm", "dropout",
  "relu", "leakyrelu", "sigmoid", "tanh", "softmax", "identity",
];

export const FALLBACK_INITS = ["normal", "xavier_normal", "xavier_uniform", "he", "lecun", "zeros"];

/** A new layer with the palette defaults (init left to the model default). */
export function newLayer(type) {
  const layer = { type };
  for (const [name, kind, def] of LAYER_FIELDS[type] || []) {
    if (kind === "init" || kind === "optint") continue;
    layer[name] = def;
  }
  return layer;
}

function names(list) {
  if (!list) return [];
  if (Array.isArray(list)) return list.map((x) => (typeof x === "string" ? x : x.name)).filter(Boolean);
  return Object.keys(list);
}

/** Optimizers as [{name, params: {hyper: default}}] whatever the exact server shape. */
function optimizers(raw) {
  const out = [];
  const entries = Array.isArray(raw) ? raw.map((o) => [o.name, o]) : Object.entries(raw || {});
  for (const [name, o] of entries) {
    let params = o?.hyperparameters ?? o?.params ?? o?.defaults ?? o ?? {};
    if (Array.isArray(params)) params = Object.fromEntries(params.map((p) => [p.name, p.default]));
    params = Object.fromEntries(Object.entries(params).filter(([k, v]) => k !== "name" && typeof v === "number"));
    out.push({ name, params });
  }
  return out;
}

export function normaliseMeta(raw) {
  const datasets = (raw.datasets || []).map((d) => (typeof d === "string" ? { name: d, available: true } : d));
  const inits = names(raw.initializers);
  return {
    raw,
    datasets,
    optimizers: optimizers(raw.optimizers),
    initializers: inits.length ? inits : FALLBACK_INITS,
    losses: names(raw.losses),
    presets: (raw.presets || []).map((p) => ({ ...p, title: p.title || p.name })),
  };
}

export function inputShapeFor(meta, datasetName) {
  const d = meta.datasets.find((x) => x.name === datasetName);
  if (d?.input_shape) return d.input_shape;
  return datasetName === "mnist" || datasetName === "fashion_mnist" ? [1, 28, 28] : [2];
}

export function classesFor(meta, datasetName) {
  const d = meta.datasets.find((x) => x.name === datasetName);
  if (typeof d?.classes === "number") return d.classes;
  if (Array.isArray(d?.classes)) return d.classes.length;
  return datasetName === "mnist" || datasetName === "fashion_mnist" ? 10 : 2;
}
