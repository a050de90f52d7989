// Above the layer stack: preset / saved-model picker, whole-model initialiser, save, summary line.
import { h, clear, formatInt, formatShape } from "../dom.js";
import { t, onLangChange } from "../i18n.js";
import { api } from "../api.js";
import { bus } from "../bus.js";
import { showError, toast } from "../toast.js";

const SAVED_KEY = "nnpg.models";

function loadSaved() {
  try {
    return JSON.parse(localStorage.getItem(SAVED_KEY) || "{}");
  } catch {
    return {};
  }
}

/**
 * createModelBar(el, {meta, getSpec, onLoad(spec, training|null), onInit(name)}) ->
 *   {setSummary(result|null, err|null), setInit(name), refreshServerModels()}
 */
export function createModelBar(el, { meta, getSpec, onLoad, onInit }) {
  let serverModels = [];
  const picker = h("select", { testid: "preset-select", "aria-label": t("builder.load") });
  const init = h("select", { testid: "model-init" },
    h("option", { value: "", i18n: "init.per_layer" }, t("init.per_layer")),
    meta.initializers.map((n) => h("option", { value: n }, n)));
  const name = h("input", { type: "text", size: 12, testid: "save-name", "data-i18n-placeholder": "builder.save_name", placeholder: t("builder.save_name") });
  const save = h("button", { type: "button", class: "btn", testid: "save-model", i18n: "builder.save" }, t("builder.save"));
  const summary = h("div", { class: "summary", testid: "model-summary" });
  const message = h("div", { class: "validation-msg", testid: "validation-message", role: "status" });

  function fillPicker() {
    clear(picker);
    picker.append(h("option", { value: "", i18n: "builder.load" }, t("builder.load")));
    picker.append(h("optgroup", { label: t("builder.presets") },
      meta.presets.map((p) => h("option", { value: `preset:${p.name}` }, p.title))));
    const mine = Object.keys(loadSaved());
    if (mine.length) picker.append(h("optgroup", { label: t("builder.my_models") }, mine.map((n) => h("option", { value: `local:${n}` }, n))));
    const remote = serverModels.filter((m) => m.spec);
    if (remote.length) picker.append(h("optgroup", { label: t("builder.server_models") }, remote.map((m) => h("option", { value: `server:${m.name}` }, m.name))));
  }

  picker.addEventListener("change", () => {
    const [kind, ...rest] = picker.value.split(":");
    const key = rest.join(":");
    if (kind === "preset") {
      const p = meta.presets.find((x) => x.name === key);
      if (p) onLoad(p.spec, p.training || null, p.name);
    } else if (kind === "local") {
      const s = loadSaved()[key];
      if (s) onLoad(s.spec, s.training || null);
    } else if (kind === "server") {
      const m = serverModels.find((x) => x.name === key);
      if (m) onLoad(m.spec, null);
    }
    picker.value = "";
  });
  init.addEventListener("change", () => onInit(init.value || null));
  save.addEventListener("click", () => {
    const n = name.value.trim();
    if (!n) {
      toast(t("builder.save_need_name"), "error");
      name.focus();
      return;
    }
    const all = loadSaved();
    all[n] = getSpec();
    localStorage.setItem(SAVED_KEY, JSON.stringify(all));
    fillPicker();
    toast(t("builder.saved", { name: n }));
  });

  el.append(h("div", { class: "modelbar" },
    h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "builder.load_label" }, t("builder.load_label")), picker),
    h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "builder.init" }, t("builder.init")), init),
    h("span", { class: "save-group" }, name, save)),
  h("div", { class: "summary-row" }, summary, message));

  async function refreshServerModels() {
    try {
      const models = await api.listModels();
      serverModels = Array.isArray(models) ? models : [];
    } catch (e) {
      showError(e);
    }
    fillPicker();
  }
  fillPicker();
  refreshServerModels();
  onLangChange(fillPicker);
  bus.on("models:changed", refreshServerModels); // optgroup labels are attributes, not data-i18n text

  return {
    refreshServerModels,
    serverModels: () => serverModels,
    setInit(v) { init.value = v || ""; },
    setSummary(result, err) {
      message.classList.toggle("error", !!err);
      if (err) {
        summary.textContent = "";
        message.textContent = err.message;
      } else if (result) {
        summary.textContent = t("builder.summary", {
          out: formatShape(result.output_shape), params: formatInt(result.total_params),
          kb: formatInt(Math.round((result.memory_bytes || 0) / 1024)),
        });
        message.textContent = t("builder.valid");
      } else {
        summary.textContent = "";
        message.textContent = t("builder.validating");
      }
    },
  };
}
