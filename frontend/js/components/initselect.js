// An initial-weights picker: the initialiser names in the page language, plus a σ field for
// the normal one (the book's std 0.01 vs 1 experiment, 6.2.2). Its value is a name, a
// {"name": "normal", "std": σ} object, or null (the empty choice).
import { h, clear } from "../dom.js";
import { t, has } from "../i18n.js";

let INITS = ["normal", "xavier_normal", "xavier_uniform", "he", "lecun", "zeros"];
export function setInitNames(names) { if (names?.length) INITS = names; }
export const initLabel = (n) => (has(`optinit.${n}`) ? t(`optinit.${n}`) : n);

/** initSelect({testid, emptyKey, value, onChange(v)}) -> {el, get(), set(v)} */
export function initSelect({ testid, emptyKey, value = null, onChange }) {
  const sel = h("select", { testid });
  const std = h("input", { type: "number", step: "any", min: "0", class: "std", testid: `${testid}-std`, value: "0.01", "data-i18n-aria": "field.std", "aria-label": t("field.std") });
  const stdBox = h("span", { class: "std-box", hidden: true }, h("span", { class: "std-label" }, "σ"), std);
  const el = h("span", { class: "init-select" }, sel, stdBox);

  function fill() {
    const keep = sel.value;
    clear(sel);
    // data-i18n on the options: the page relabels them when the language changes (no
    // listener per select, which would outlive the layer cards re-rendered on every edit).
    sel.append(h("option", { value: "", i18n: emptyKey }, t(emptyKey)),
      ...INITS.map((n) => h("option", { value: n, i18n: has(`optinit.${n}`) ? `optinit.${n}` : null }, initLabel(n))));
    sel.value = keep;
  }
  function get() {
    if (!sel.value) return null;
    if (sel.value === "normal") return { name: "normal", std: std.value === "" ? 0.01 : Number(std.value) };
    return sel.value;
  }
  function set(v) {
    const name = typeof v === "string" ? v : v?.name || "";
    sel.value = INITS.includes(name) ? name : "";
    if (name === "normal") std.value = String(typeof v === "object" && v.std != null ? v.std : 0.01);
    stdBox.hidden = sel.value !== "normal";
  }
  fill();
  set(value);
  sel.addEventListener("change", () => { stdBox.hidden = sel.value !== "normal"; onChange(get()); });
  std.addEventListener("input", () => onChange(get()));
  return { el, get, set };
}
