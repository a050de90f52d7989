// After each epoch: the confusion matrix (混同行列) and the most confident mistakes.
// Clicking a cell shows every test example in it (true, predicted), fetched from the server a
// page at a time when the top list does not hold them all; clicking it again clears.
import { h, clear, grayToCanvas } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { showError } from "../toast.js";
import { helpButton } from "./help.js";
import { PLOT_CONFIG, baseLayout } from "./plot.js";

const PAGE = 48; // examples per page of a cell

/** createEvaluation(el, {classLabel(i), runId()}) -> {update(evaluation), reset(), relabel()} */
export function createEvaluation(el, { classLabel, runId = () => null }) {
  const heat = h("div", { class: "chart square", testid: "confusion-matrix" });
  const gallery = h("div", { class: "gallery", testid: "mistakes-gallery" });
  const filterNote = h("div", { class: "filter-note", testid: "gallery-filter" });
  const clearBtn = h("button", { type: "button", class: "btn small", testid: "gallery-clear-filter", i18n: "eval.show_all", hidden: true }, t("eval.show_all"));
  const moreBtn = h("button", { type: "button", class: "btn small", testid: "gallery-more", i18n: "eval.more", hidden: true }, t("eval.more"));
  const acc = h("output", { class: "big-number", testid: "eval-accuracy" }, "–");
  const empty = h("p", { class: "muted", i18n: "eval.empty" }, t("eval.empty"));
  // The heatmap is mouse-only, so the same filter is offered as two selects for the keyboard.
  const pickTrue = h("select", { testid: "cm-true" });
  const pickPred = h("select", { testid: "cm-pred" });
  const pickForm = h("div", { class: "btn-row small-form" },
    h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "eval.true" }, t("eval.true")), pickTrue),
    h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "eval.predicted" }, t("eval.predicted")), pickPred));
  const onPick = () => {
    // Half a pair (only the true class chosen yet) is no filter, and stays in its select.
    setPick(pickTrue.value === "" || pickPred.value === "" ? null : [Number(pickTrue.value), Number(pickPred.value)], false);
  };
  pickTrue.addEventListener("change", onPick);
  pickPred.addEventListener("change", onPick);
  const pair = h("div", { class: "eval-pair", hidden: true }, h("div", {}, heat, pickForm),
      h("div", {}, h("div", { class: "chart-head" }, h("h4", { i18n: "eval.mistakes" }, t("eval.mistakes")), filterNote, clearBtn), gallery, moreBtn));
  el.append(h("div", { class: "chart-head" }, h("h3", {}, h("span", { i18n: "eval.title" }, t("eval.title")), helpButton("help.chart.eval", "help-eval")), acc), empty, pair);
  let last = null;
  let pick = null; // [true, pred] or null
  let plotted = false;
  // The picked cell as the server lists it: {key, items, total, loading}; a newer pick, epoch
  // or run makes a late answer stale (its key no longer matches).
  let cell = null;
  let asking = null;

  // Same run, same cell, same matrix: the same weights' list, so "Show more" pages survive a
  // repeated evaluation; a matrix that changed (training went on) lists the cell again.
  const cellKey = () => (pick ? `${runId()}:${pick[0]}:${pick[1]}:${JSON.stringify(last?.confusion ?? null)}` : null);

  /** The picked cell's examples in the top list (all mistakes when nothing is picked). */
  const topList = () => (last?.mistakes || []).filter((m) => !pick || (m.label === pick[0] && m.pred === pick[1]));
  /** The top list holds every example of a cell only when the counts agree. */
  function topListHolds(items) {
    return !pick || (last?.confusion?.[pick[0]]?.[pick[1]] ?? 0) <= items.length;
  }

  async function fetchCell(offset) {
    const key = cellKey();
    const id = runId();
    if (!key || id == null) return;
    if (!cell || cell.key !== key) cell = { key, items: [], total: null, loading: true };
    cell.loading = true;
    asking?.abort();
    const mine = (asking = new AbortController());
    renderGallery();
    try {
      const page = await api.cellMistakes(id, { true: pick[0], pred: pick[1], offset, limit: PAGE }, { signal: mine.signal });
      if (cellKey() !== key || cell?.key !== key) return;
      cell.items = cell.items.slice(0, offset).concat(page.items);
      cell.total = page.total;
    } catch (e) {
      if (e.name === "AbortError" || cellKey() !== key) return;
      showError(e);
    } finally {
      if (cell?.key === key && asking === mine) { cell.loading = false; renderGallery(); }
    }
  }

  function renderGallery() {
    clear(gallery);
    const top = topList();
    const whole = pick && !topListHolds(top) ? (cell?.key === cellKey() ? cell : null) : null;
    const items = whole ? whole.items : top;
    filterNote.textContent = pick ? t("eval.filter", { label: classLabel(pick[0]), pred: classLabel(pick[1]) }) : "";
    const inMatrix = pick ? last?.confusion?.[pick[0]]?.[pick[1]] ?? 0 : 0;
    if (whole?.total != null) {
      filterNote.textContent += " · " + t("eval.cell_count", { shown: items.length, total: whole.total });
      if (whole.total !== inMatrix) filterNote.textContent += ` (${t("eval.newer")})`;
    } else if (whole?.loading) filterNote.textContent += " · " + t("eval.loading");
    clearBtn.hidden = !pick;
    moreBtn.hidden = !(whole && whole.total != null && items.length < whole.total);
    moreBtn.disabled = Boolean(whole?.loading);
    gallery.dataset.shown = String(items.length);
    if (!items.length && !whole?.loading) gallery.append(h("p", { class: "muted", i18n: "eval.none" }, t("eval.none")));
    for (const m of whole ? items : items.slice(0, PAGE)) {
      // Toy sets have 2-D points, not images: show the coordinates instead.
      const c = m.image ? grayToCanvas(h("canvas", {}), m.image, { scale: 2 })
        : h("code", { class: "point" }, `(${(m.point || []).map((v) => Number(v).toFixed(2)).join(", ")})`);
      gallery.append(h("figure", { class: "mistake", testid: "mistake", title: `#${m.index}` }, c,
        h("figcaption", {}, `${classLabel(m.label)}→${classLabel(m.pred)} `, h("small", {}, `${Math.round(m.confidence * 100)}%`))));
    }
  }

  function fillPickers(n) {
    for (const sel of [pickTrue, pickPred]) {
      clear(sel);
      sel.append(h("option", { value: "" }, "–"), ...[...Array(n).keys()].map((i) => h("option", { value: i }, classLabel(i))));
    }
    pickTrue.value = pick ? String(pick[0]) : "";
    pickPred.value = pick ? String(pick[1]) : "";
  }

  function renderHeat() {
    const cm = last.confusion;
    const n = cm.length;
    fillPickers(n);
    const labels = [...Array(n).keys()].map(classLabel);
    const layout = baseLayout({
      margin: { l: 56, r: 8, t: 8, b: 48 }, showlegend: false,
      xaxis: { title: { text: t("eval.predicted") }, tickvals: [...Array(n).keys()], ticktext: labels, side: "bottom" },
      yaxis: { title: { text: t("eval.true") }, tickvals: [...Array(n).keys()], ticktext: labels, autorange: "reversed" },
    });
    const trace = { type: "heatmap", z: cm, colorscale: [[0, "#ffffff"], [1, "#1a73e8"]], showscale: false,
      hovertemplate: `${t("eval.true")} %{y}, ${t("eval.predicted")} %{x}: %{z}<extra></extra>`,
      text: cm.map((r) => r.map(String)), texttemplate: "%{text}", textfont: { size: 9 } };
    Plotly.react(heat, [trace], layout, PLOT_CONFIG);
    if (!plotted) {
      plotted = true;
      heat.on("plotly_click", (ev) => {
        const p = ev.points?.[0];
        if (!p) return;
        const next = [p.y, p.x];
        setPick(pick && pick[0] === next[0] && pick[1] === next[1] ? null : next);
      });
    }
  }

  /** Show one cell (or all mistakes for null); fetch the cell when the top list is short. */
  function setPick(next, syncSelects = true) {
    pick = next;
    if (syncSelects) {
      pickTrue.value = pick ? String(pick[0]) : "";
      pickPred.value = pick ? String(pick[1]) : "";
    }
    if (pick && !topListHolds(topList()) && cell?.key !== cellKey()) fetchCell(0);
    else renderGallery();
  }

  clearBtn.addEventListener("click", () => setPick(null));
  moreBtn.addEventListener("click", () => fetchCell(cell?.items.length ?? 0));

  return {
    update(ev) {
      if (!ev?.confusion) return;
      last = ev;
      empty.hidden = true;
      pair.hidden = false;
      if (typeof ev.accuracy === "number") acc.textContent = `${(ev.accuracy * 100).toFixed(1)}%`;
      renderHeat();
      setPick(pick); // a picked cell is listed again from the new weights
    },
    reset() {
      last = null;
      pick = null;
      cell = null;
      asking?.abort();
      acc.textContent = "–";
      empty.hidden = false;
      pair.hidden = true;
      clear(gallery);
      Plotly.purge(heat);
      plotted = false;
    },
    relabel() {
      if (last) { renderHeat(); renderGallery(); }
    },
  };
}
