// One layer of the model as an editable card: type, output shape, parameter count, fields, error.
import { h, formatShape, formatInt } from "../dom.js";
import { t, has } from "../i18n.js";
import { LAYER_FIELDS } from "../meta.js";
import { errorText } from "../errors.js";
import { helpButton } from "./help.js";
import { initSelect } from "./initselect.js";

/** Read an input back into a spec value; unparsable text is kept so the server can name it. */
function parseValue(kind, raw, checked) {
  if (kind === "bool") return checked;
  const s = raw.trim();
  if (s === "") return undefined;
  if (kind === "init") return s;
  if (kind === "size" && s.includes(",")) {
    const parts = s.split(",").map((p) => Number(p.trim()));
    return parts.every(Number.isFinite) ? parts : s;
  }
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

function fieldInput(layer, index, [name, kind, def], onEdit) {
  const testid = `layer-${index}-field-${name}`;
  const key = `field.${name}`;
  const label = h("span", { i18n: has(key) ? key : null }, has(key) ? t(key) : name);
  let input;
  if (kind === "init") {
    const sel = initSelect({ testid, emptyKey: "init.model_default", value: layer[name] ?? null, onChange: (v) => onEdit(name, v ?? undefined) });
    sel.el.querySelector("select").dataset.field = name;
    return h("label", { class: "lf" }, label, sel.el);
  }
  if (kind === "bool") {
    input = h("input", { type: "checkbox", checked: layer[name] !== false, testid });
  } else {
    const v = layer[name];
    input = h("input", {
      type: "text", inputmode: kind === "float" ? "decimal" : "numeric", size: 5, testid,
      value: v === undefined ? "" : Array.isArray(v) ? v.join(",") : String(v),
      "data-i18n-placeholder": kind === "optint" ? "field.auto" : null,
      // A blank field means "server default"; show that default instead of an empty box.
      placeholder: kind === "optint" ? t("field.auto") : String(def),
    });
  }
  input.dataset.field = name;
  input.addEventListener(kind === "bool" ? "change" : "input", () => {
    onEdit(name, parseValue(kind, input.value ?? "", input.checked));
  });
  return h("label", { class: "lf" }, label, input);
}

/**
 * Render a card. handlers: {edit(name, value), remove(), move(delta), dragStart(), dragEnd()}.
 * Returns {el, setInfo({output_shape, params}), setError(err|null)}.
 */
export function layerCard(layer, index, handlers) {
  const typeKey = `layer.${layer.type}`;
  const shape = h("span", { class: "lc-shape", testid: `layer-${index}-shape` }, "…");
  const params = h("span", { class: "lc-params", testid: `layer-${index}-params` }, "");
  const error = h("div", { class: "lc-error", role: "alert", testid: `layer-${index}-error`, hidden: true });
  const btn = (key, label, testid, fn) =>
    h("button", { type: "button", class: "icon-btn", "data-i18n-aria": key, "aria-label": t(key), "data-i18n-title": key, title: t(key), testid, onclick: fn }, label);
  const fields = (LAYER_FIELDS[layer.type] || []).map((f) => fieldInput(layer, index, f, handlers.edit));
  const el = h("li", {
    class: `layer-card kind-${layer.type}`, tabindex: 0, draggable: "true", testid: `layer-${index}`,
    "data-type": layer.type, "aria-roledescription": "layer",
  },
  h("div", { class: "lc-head" },
    h("span", { class: "lc-grip", "aria-hidden": "true" }, "⋮⋮"),
    h("span", { class: "lc-index" }, String(index)) /* 0-based like the server's "layer 3" messages */,
    h("span", { class: "lc-type", i18n: has(typeKey) ? typeKey : null }, has(typeKey) ? t(typeKey) : layer.type),
    has(`help.${typeKey}`) ? helpButton(`help.${typeKey}`, `layer-${index}-help`) : null,
    h("span", { class: "lc-meta" }, shape, params),
    h("span", { class: "lc-actions" },
      btn("builder.move_up", "↑", `layer-${index}-up`, () => handlers.move(-1)),
      btn("builder.move_down", "↓", `layer-${index}-down`, () => handlers.move(1)),
      btn("builder.remove", "✕", `layer-${index}-remove`, () => handlers.remove()))),
  fields.length ? h("div", { class: "lc-fields" }, fields) : null,
  error);

  el.addEventListener("keydown", (ev) => {
    if (ev.target !== el) return; // typing in a field must not move or delete the card
    if (ev.altKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
      ev.preventDefault();
      handlers.move(ev.key === "ArrowUp" ? -1 : 1);
    } else if (ev.key === "Delete" || ev.key === "Backspace") {
      ev.preventDefault();
      handlers.remove();
    }
  });
  el.addEventListener("dragstart", (ev) => {
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", String(index));
    el.classList.add("dragging");
    handlers.dragStart?.();
  });
  el.addEventListener("dragend", () => el.classList.remove("dragging"));

  return {
    el,
    setInfo(info) {
      shape.textContent = info ? formatShape(info.output_shape) : "…";
      params.textContent = info ? `${formatInt(info.params)} ${t("builder.params_short")}` : "";
    },
    setError(err, isWarning = false) {
      el.classList.toggle("has-error", !!err && !isWarning);
      el.classList.toggle("has-warning", !!err && isWarning);
      error.classList.toggle("warn", isWarning);
      for (const inp of el.querySelectorAll("[data-field]")) inp.classList.toggle("bad", !!err && inp.dataset.field === err.field);
      error.hidden = !err;
      error.textContent = err ? errorText(err) : "";
    },
  };
}
