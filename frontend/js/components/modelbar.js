// Above the layer stack: preset / saved-model picker (it shows what is loaded and marks it
// edited), the preset's description with the book's settings, whole-model initialiser with σ,
// save / download / upload, summary line and validation message or warning.
import { h, clear, formatInt, formatShape } from "../dom.js";
import { t, onLangChange, getLang } from "../i18n.js";
import { api } from "../api.js";
import { bus } from "../bus.js";
import { errorText } from "../errors.js";
import { showError, toast } from "../toast.js";
import { helpButton } from "./help.js";
import { initSelect } from "./initselect.js";

const SAVED_KEY = "nnpg.models";

function loadSaved() {
  try {
    return JSON.parse(localStorage.getItem(SAVED_KEY) || "{}");
  } catch {
    return {};
  }
}

/** A preset's title/description in the page language (the server sends both). */
export function presetText(p, what) {
  if (!p) return "";
  return (getLang() === "ja" && p.ja?.[what]) || p[what] || p.name;
}

/**
 * createModelBar(el, {meta, getSpec, onLoad(spec, training|null, presetName|null), onInit(init)}) ->
 *   {setSummary(result|null, err|null), setInit(init), setLoaded(key|null), setEdited(bool), refreshServerModels()}
 */
export function createModelBar(el, { meta, getSpec, onLoad, onInit }) {
  let serverModels = [];
  let loaded = "";
  let edited = false;
  const picker = h("select", { testid: "preset-select", "data-i18n-aria": "builder.load_label", "aria-label": t("builder.load_label") });
  const editedMark = h("span", { class: "edited-mark", testid: "preset-edited", hidden: true, i18n: "builder.edited" }, t("builder.edited"));
  const desc = h("p", { class: "preset-desc", testid: "preset-description" });
  const init = initSelect({ testid: "model-init", emptyKey: "init.per_layer", onChange: (v) => onInit(v) });
  const name = h("input", { type: "text", size: 12, testid: "save-name", "data-i18n-placeholder": "builder.save_name", placeholder: t("builder.save_name") });
  const save = h("button", { type: "button", class: "btn", testid: "save-model", i18n: "builder.save" }, t("builder.save"));
  const upload = h("input", { type: "file", accept: ".npz", testid: "model-upload", class: "sr-only", id: "model-upload" });
  const uploadLabel = h("label", { class: "btn", for: "model-upload", tabindex: 0, i18n: "builder.upload" }, t("builder.upload"));
  const summary = h("div", { class: "summary", testid: "model-summary" });
  const message = h("div", { class: "validation-msg", testid: "validation-message", role: "status" });
  const warning = h("div", { class: "validation-warn", testid: "validation-warning", role: "status", hidden: true });

  function fillPicker() {
    clear(picker);
    picker.append(h("option", { value: "" }, t("builder.load")));
    picker.append(h("optgroup", { label: t("builder.presets") },
      meta.presets.map((p) => h("option", { value: `preset:${p.name}` }, presetText(p, "title")))));
    const mine = Object.keys(loadSaved());
    if (mine.length) picker.append(h("optgroup", { label: t("builder.my_models") }, mine.map((n) => h("option", { value: `local:${n}` }, n))));
    const remote = serverModels.filter((m) => m.spec);
    if (remote.length) picker.append(h("optgroup", { label: t("builder.server_models") }, remote.map((m) => h("option", { value: `server:${m.name}` }, m.name))));
    picker.value = [...picker.querySelectorAll("option")].some((o) => o.value === loaded) ? loaded : "";
    showDesc();
  }

  function showDesc() {
    const [kind, ...rest] = loaded.split(":");
    const p = kind === "preset" ? meta.presets.find((x) => x.name === rest.join(":")) : null;
    desc.textContent = p ? presetText(p, "description") : "";
    desc.hidden = !p;
    editedMark.hidden = !edited || !loaded;
  }

  picker.addEventListener("change", () => {
    const [kind, ...rest] = picker.value.split(":");
    const key = rest.join(":");
    if (kind === "preset") {
      const p = meta.presets.find((x) => x.name === key);
      if (p) onLoad(p.spec, p.training || null, p.name);
    } else if (kind === "local") {
      const s = loadSaved()[key];
      if (s) onLoad(s.spec, s.training || null, null);
    } else if (kind === "server") {
      const m = serverModels.find((x) => x.name === key);
      if (m) onLoad(m.spec, null, null);
    }
    loaded = picker.value;
    edited = false;
    showDesc();
  });
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
    loaded = `local:${n}`;
    edited = false;
    fillPicker();
    toast(t("builder.saved", { name: n }));
  });
  uploadLabel.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); upload.click(); } });
  upload.addEventListener("change", async () => {
    const file = upload.files?.[0];
    if (!file) return;
    const n = file.name.replace(/\.npz$/i, "").replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^[^A-Za-z0-9]+/, "") || "model";
    try {
      await api.uploadModel(n, file);
      toast(t("builder.uploaded", { name: n }));
      bus.emit("models:changed");
    } catch (e) {
      showError(e);
    }
    upload.value = "";
  });

  el.append(h("div", { class: "modelbar" },
    h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "builder.load_label" }, t("builder.load_label")), picker, editedMark),
    h("label", { class: "field inline" }, h("span", { class: "field-label" }, h("span", { i18n: "builder.init" }, t("builder.init")), helpButton("help.train.init", "help-init")), init.el),
    h("span", { class: "save-group" }, name, save, uploadLabel, upload)),
  desc,
  h("div", { class: "summary-row" }, summary, message), warning);

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
  onLangChange(fillPicker); // option texts and optgroup labels are not data-i18n text
  bus.on("models:changed", refreshServerModels);

  return {
    refreshServerModels,
    serverModels: () => serverModels,
    setInit(v) { init.set(v); },
    setLoaded(key) { loaded = key || ""; edited = false; fillPicker(); },
    setEdited(on) { edited = on; showDesc(); },
    setSummary(result, err) {
      message.classList.toggle("error", !!err);
      const warns = (!err && result?.warnings) || [];
      warning.hidden = !warns.length;
      warning.textContent = warns.map(errorText).join(" ");
      if (err) {
        summary.textContent = "";
        message.textContent = errorText(err);
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
