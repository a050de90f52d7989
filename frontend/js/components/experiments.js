// One-click "try this" experiments on the playground itself, each saying what to look for.
import { h } from "../dom.js";
import { t } from "../i18n.js";

const sigmoidNet = () => ({
  name: "custom", input_shape: [784],
  layers: [...Array(5)].flatMap(() => [{ type: "dense", units: 100 }, { type: "sigmoid" }]).concat([{ type: "dense", units: 10 }]),
});

/** Each: (meta) -> {spec, training, init} for load(); null when its preset is missing. */
const EXPERIMENTS = {
  sigmoid: () => ({ spec: sigmoidNet(), init: { name: "normal", std: 1 },
    training: { dataset: "mnist", train_size: 2000, test_size: 500, optimizer: { name: "sgd", lr: 0.1 }, batch_size: 100, epochs: 3, lr_decay: 1, weight_decay: 0, seed: 0 } }),
  diverge: (meta) => {
    const p = meta.presets.find((x) => x.name === "two_layer_net");
    return p && { spec: p.spec, init: null, training: { ...p.training, train_size: 2000, test_size: 500, epochs: 3, optimizer: { name: "sgd", lr: 10 } } };
  },
  flatten: (meta) => {
    const p = meta.presets.find((x) => x.name === "simple_conv_net");
    return p && { spec: { ...p.spec, name: `${p.name}*`, layers: p.spec.layers.filter((l) => l.type !== "flatten") }, init: null, training: { ...p.training, train_size: 2000, test_size: 500 } };
  },
};

/** createExperiments(el, {meta, load(cfg)}) */
export function createExperiments(el, { meta, load }) {
  const list = h("ul", { class: "try-list", testid: "try-list" });
  for (const [id, make] of Object.entries(EXPERIMENTS)) {
    const cfg = make(meta);
    if (!cfg) continue;
    const btn = h("button", { type: "button", class: "btn small", testid: `try-${id}`, i18n: "try.apply" }, t("try.apply"));
    btn.addEventListener("click", () => load(structuredClone(cfg)));
    list.append(h("li", {}, h("div", { class: "try-head" }, h("strong", { i18n: `try.${id}.title` }, t(`try.${id}.title`)), btn),
      h("p", { class: "hint", i18n: `try.${id}.what` }, t(`try.${id}.what`))));
  }
  el.append(list);
}
