// Model builder: palette on the left, the layer stack on the right.
// Layers are added by click, reordered by drag-and-drop or Alt+↑/↓, removed with the button or Delete.
import { h, clear } from "../dom.js";
import { t } from "../i18n.js";
import { PALETTE, newLayer } from "../meta.js";
import { layerCard } from "./layercard.js";

/**
 * createBuilder(el, {inits, onChange(layers)}) ->
 *   {getLayers(), setLayers(layers), showValidation(result), showError(err)}
 */
export function createBuilder(el, { onChange }) {
  let layers = [];
  let cards = [];
  const list = h("ol", { class: "layer-list", testid: "layer-list", "aria-describedby": "builder-help" });
  const empty = h("p", { class: "muted", i18n: "builder.empty", testid: "layer-list-empty" }, t("builder.empty"));
  const palette = h("div", { class: "palette", testid: "palette", role: "group", "data-i18n-aria": "builder.palette", "aria-label": t("builder.palette") },
    h("div", { class: "panel-sub", i18n: "builder.palette" }, t("builder.palette")),
    PALETTE.map((type) => h("button", {
      type: "button", class: `pal-btn kind-${type}`, testid: `palette-${type}`, "data-i18n-title": `help.layer.${type}`, title: t(`help.layer.${type}`),
      onclick: () => { layers.push(newLayer(type)); changed(layers.length - 1); },
    }, h("span", { i18n: `layer.${type}` }, t(`layer.${type}`)))));
  const help = h("p", { id: "builder-help", class: "hint", i18n: "builder.keyboard_help" }, t("builder.keyboard_help"));

  el.append(h("div", { class: "builder" }, palette, h("div", { class: "stack" }, list, empty, help)));

  // Drag-and-drop: the drop position is the card under the pointer (before/after by midpoint).
  let dragFrom = null;
  list.addEventListener("dragstart", (ev) => {
    const li = ev.target.closest?.("li.layer-card");
    dragFrom = li ? [...list.children].indexOf(li) : null;
  });
  list.addEventListener("dragover", (ev) => {
    if (dragFrom === null) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
  });
  list.addEventListener("drop", (ev) => {
    if (dragFrom === null) return;
    ev.preventDefault();
    const items = [...list.children];
    let to = items.length - 1;
    for (let i = 0; i < items.length; i++) {
      const r = items[i].getBoundingClientRect();
      if (ev.clientY < r.top + r.height / 2) { to = i > dragFrom ? i - 1 : i; break; }
    }
    move(dragFrom, to);
    dragFrom = null;
  });

  function move(from, to) {
    if (to < 0 || to >= layers.length || from === to) return;
    const [l] = layers.splice(from, 1);
    layers.splice(to, 0, l);
    changed(to);
  }

  function render(focusIndex) {
    clear(list);
    cards = layers.map((layer, i) => layerCard(layer, i, {
      edit: (name, value) => {
        if (value === undefined) delete layer[name];
        else layer[name] = value;
        onChange(layers);
      },
      remove: () => { layers.splice(i, 1); changed(Math.min(i, layers.length - 1)); },
      move: (d) => move(i, i + d),
    }));
    for (const c of cards) list.append(c.el);
    empty.hidden = layers.length > 0;
    if (focusIndex !== undefined && cards[focusIndex]) cards[focusIndex].el.focus();
  }

  function changed(focusIndex) {
    render(focusIndex);
    onChange(layers);
  }

  render();
  return {
    getLayers: () => layers.map((l) => ({ ...l })),
    setLayers(next) {
      layers = next.map((l) => ({ ...l }));
      render();
    },
    /** Server result: one entry per layer with output_shape and params. */
    showValidation(result) {
      const byIndex = new Map((result?.layers || []).map((l) => [l.index, l]));
      cards.forEach((c, i) => { c.setInfo(byIndex.get(i) || null); c.setError(null); });
    },
    /** Warnings ({index, code, params}) shown on their layer, under a valid model. */
    showWarnings(warnings) {
      for (const w of warnings || []) cards[w.index]?.setError(w, true);
    },
    /** An ApiError with .index/.field: shown on that layer; others keep no numbers. */
    showError(err) {
      cards.forEach((c, i) => {
        c.setInfo(null);
        c.setError(i === err.index ? err : null);
      });
    },
  };
}
