// Draw pad + prediction against a chosen source: the run training now, a finished run, a saved
// model. While the current run trains, the drawing is re-judged with its newest weights (at
// most once a second), so the probabilities sharpen without redrawing.
import { h, clear, throttle } from "../dom.js";
import { t, onLangChange } from "../i18n.js";
import { api, ApiError } from "../api.js";
import { bus } from "../bus.js";
import { currentRun, isFinal } from "../run.js";
import { errorText } from "../errors.js";
import { showError } from "../toast.js";
import { createDrawPad } from "./drawpad.js";
import { createPredictView } from "./predictview.js";

const IMAGE_SETS = ["mnist", "fashion_mnist"];
const REJUDGE_MS = 1000; // one prediction per second while training: ~4 ms each on the server

/** createDrawPanel(el, {classLabel}) -> {refreshModels()} */
export function createDrawPanel(el, { classLabel }) {
  const source = h("select", { testid: "predict-source", "data-i18n-aria": "draw.source", "aria-label": t("draw.source") });
  const note = h("p", { class: "hint draw-note", testid: "predict-note", "aria-live": "polite" });
  const head = h("div", { class: "modelbar" }, h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "draw.source" }, t("draw.source")), source));
  const padBox = h("div");
  const viewBox = h("div");
  el.append(head, note, h("div", { class: "draw-grid" }, padBox, viewBox));
  const view = createPredictView(viewBox, { classLabel });
  let runs = [];
  let models = [];
  let inflight = null;
  let noteKey = null;
  let noteVars = {};
  let judged = 0; // how many predictions the current drawing has had
  let trained = false; // the current run has sent a loss point, so its weights exist

  function setNote(key, vars = {}) {
    noteKey = key;
    noteVars = vars;
    note.textContent = key ? t(key, vars) : "";
  }
  function setNoteText(text) {
    noteKey = null;
    note.textContent = text;
  }

  function fillSources() {
    const keep = source.value;
    clear(source);
    const cur = currentRun();
    source.append(h("option", { value: "current" }, t("draw.current_run")));
    // Only image runs can read a drawing; toy runs (2-D points) are left out.
    const isImage = (r) => !r.config?.dataset || IMAGE_SETS.includes(r.config.dataset);
    const done = runs.filter((r) => r.id !== cur?.id && isImage(r) && isFinal(r.status));
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
    if (!src) return setNote("draw.no_source");
    const cur = currentRun();
    // A queued or just-started run has no weights yet: wait for its first loss point (the
    // re-judging below then asks) instead of collecting 409s from the server.
    if (source.value === "current" && cur && !trained && !isFinal(cur.status)) {
      return setNote("draw.wait_for_weights", { status: t(`status.${cur.status}`) });
    }
    inflight?.abort(); // only the newest drawing matters
    const mine = new AbortController();
    inflight = mine;
    try {
      const p = await api.predict(src, { pixels: pad.pixels() }, { signal: mine.signal });
      if (inflight !== mine || !p?.probs || pad.isBlank()) return; // a newer request or a Clear won
      setNote(null);
      judged += 1;
      view.update(p, judged);
    } catch (e) {
      if (e.name === "AbortError" || inflight !== mine) return;
      // No weights yet (the run is queued) is a state, not a failure: say it beside the pad.
      // A source without weights (a run stopped before it trained) is said beside the pad.
      if (e instanceof ApiError && e.status === 409) return setNoteText(errorText(e));
      showError(e);
    }
  }

  const later = throttle(predict, 150); // predicts every 150 ms while the pen moves
  const rejudge = throttle(() => { if (!pad.isDrawing()) predict(); }, REJUDGE_MS);
  const pad = createDrawPad(padBox, {
    onDraw: later,
    onClear: () => { later.cancel(); rejudge.cancel(); inflight?.abort(); inflight = null; judged = 0; view.reset(); setNote(null); },
  });
  source.addEventListener("change", later);

  const followsCurrent = () => source.value === "current" && !pad.isBlank();
  bus.on("run:new", () => { trained = false; });
  bus.on("run:steps", () => { trained = true; if (followsCurrent()) rejudge(); });
  bus.on("run:ended", () => { if (followsCurrent()) rejudge(); });
  bus.on("run:state", (r) => { if (r.status === "running" && followsCurrent()) rejudge(); });

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
  onLangChange(() => { fillSources(); if (noteKey) setNote(noteKey, noteVars); });
  refreshModels();
  return { refreshModels };
}
