// Draw pad + prediction against a chosen source: the run training now, a finished run, a saved model.
import { h, clear, throttle } from "../dom.js";
import { t, onLangChange } from "../i18n.js";
import { api } from "../api.js";
import { bus } from "../bus.js";
import { currentRun } from "../run.js";
import { showError } from "../toast.js";
import { createDrawPad } from "./drawpad.js";
import { createPredictView } from "./predictview.js";

/** createDrawPanel(el, {classLabel}) -> {} */
export function createDrawPanel(el, { classLabel }) {
  const source = h("select", { testid: "predict-source" });
  const note = h("p", { class: "hint", testid: "predict-note" });
  const head = h("div", { class: "modelbar" }, h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "draw.source" }, t("draw.source")), source));
  const padBox = h("div");
  const viewBox = h("div");
  el.append(head, note, h("div", { class: "draw-grid" }, padBox, viewBox));
  const view = createPredictView(viewBox, { classLabel });
  let runs = [];
  let models = [];
  let inflight = null;

  function fillSources() {
    const keep = source.value;
    clear(source);
    const cur = currentRun();
    source.append(h("option", { value: "current", i18n: "draw.current_run" }, t("draw.current_run")));
    // Only image runs can read a drawing; toy runs (2-D points) are left out.
    const isImage = (r) => !r.config?.dataset || ["mnist", "fashion_mnist"].includes(r.config.dataset);
    const done = runs.filter((r) => r.id !== cur?.id && isImage(r) && ["completed", "stopped", "finished"].includes(r.status));
    if (done.length) source.append(h("optgroup", { label: t("draw.finished_runs") }, done.map((r) => h("option", { value: `run:${r.id}` }, `#${r.id} ${r.name || ""}`))));
    if (models.length) source.append(h("optgroup", { label: t("builder.server_models") }, models.map((m) => h("option", { value: `model:${m.name}` }, m.name))));
    if ([...source.querySelectorAll("option")].some((o) => o.value === keep)) source.value = keep;
  }

  function selected() {
    const v = source.value;
    if (v === "current") {
      const cur = currentRun();
      return cur ? { kind: "run", id: cur.id } : null;
    }
    const [kind, ...rest] = v.split(":");
    return { kind, id: rest.join(":") };
  }

  async function predict() {
    if (pad.isBlank()) return;
    const src = selected();
    if (!src) {
      note.textContent = t("draw.no_source");
      note.dataset.i18n = "draw.no_source";
      return;
    }
    note.textContent = "";
    delete note.dataset.i18n;
    inflight?.abort(); // only the newest drawing matters
    inflight = new AbortController();
    try {
      const p = await api.predict(src, { pixels: pad.pixels() }, { signal: inflight.signal });
      view.update(p);
    } catch (e) {
      if (e.name !== "AbortError") showError(e);
    }
  }

  const later = throttle(predict, 150); // predicts every 150 ms while the pen moves
  const pad = createDrawPad(padBox, { onDraw: later, onClear: () => { later.cancel(); view.reset(); } });
  source.addEventListener("change", later);

  async function refreshModels() {
    try {
      const list = await api.listModels();
      models = Array.isArray(list) ? list : [];
    } catch (e) {
      showError(e);
    }
    fillSources();
  }
  bus.on("runs:list", (r) => { runs = r; fillSources(); });
  bus.on("models:changed", refreshModels);
  bus.on("run:new", fillSources);
  onLangChange(fillSources);
  refreshModels();
  return { refreshModels };
}
