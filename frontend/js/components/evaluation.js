// After each epoch: the confusion matrix (混同行列) and the most confident mistakes.
// Clicking a cell filters the gallery to that (true, predicted) pair; clicking it again clears.
import { h, clear, grayToCanvas } from "../dom.js";
import { t } from "../i18n.js";
import { helpButton } from "./help.js";
import { PLOT_CONFIG, baseLayout } from "./plot.js";

/** createEvaluation(el, {classLabel(i)}) -> {update(evaluation), reset(), relabel()} */
export function createEvaluation(el, { classLabel }) {
  const heat = h("div", { class: "chart square", testid: "confusion-matrix" });
  const gallery = h("div", { class: "gallery", testid: "mistakes-gallery" });
  const filterNote = h("div", { class: "filter-note", testid: "gallery-filter" });
  const clearBtn = h("button", { type: "button", class: "btn small", testid: "gallery-clear-filter", i18n: "eval.show_all", hidden: true }, t("eval.show_all"));
  const acc = h("output", { class: "big-number", testid: "eval-accuracy" }, "–");
  const empty = h("p", { class: "muted", i18n: "eval.empty" }, t("eval.empty"));
  // The heatmap is mouse-only, so the same filter is offered as two selects for the keyboard.
  const pickTrue = h("select", { testid: "cm-true" });
  const pickPred = h("select", { testid: "cm-pred" });
  const pickForm = h("div", { class: "btn-row small-form" },
    h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "eval.true" }, t("eval.true")), pickTrue),
    h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "eval.predicted" }, t("eval.predicted")), pickPred));
  const onPick = () => {
    pick = pickTrue.value === "" || pickPred.value === "" ? null : [Number(pickTrue.value), Number(pickPred.value)];
    renderGallery();
  };
  pickTrue.addEventListener("change", onPick);
  pickPred.addEventListener("change", onPick);
  const pair = h("div", { class: "eval-pair", hidden: true }, h("div", {}, heat, pickForm),
      h("div", {}, h("div", { class: "chart-head" }, h("h4", { i18n: "eval.mistakes" }, t("eval.mistakes")), filterNote, clearBtn), gallery));
  el.append(h("div", { class: "chart-head" }, h("h3", {}, h("span", { i18n: "eval.title" }, t("eval.title")), helpButton("help.chart.eval", "help-eval")), acc), empty, pair);
  let last = null;
  let pick = null; // [true, pred] or null
  let plotted = false;

  function renderGallery() {
    clear(gallery);
    const items = (last?.mistakes || []).filter((m) => !pick || (m.label === pick[0] && m.pred === pick[1]));
    filterNote.textContent = pick ? t("eval.filter", { label: classLabel(pick[0]), pred: classLabel(pick[1]) }) : "";
    // The server sends only the most confident mistakes: say when a cell holds more.
    const inCell = pick ? last?.confusion?.[pick[0]]?.[pick[1]] ?? 0 : 0;
    if (pick && inCell > items.length) filterNote.textContent += " " + t("eval.partial", { shown: items.length, total: inCell });
    clearBtn.hidden = !pick;
    if (!items.length) gallery.append(h("p", { class: "muted", i18n: "eval.none" }, t("eval.none")));
    for (const m of items.slice(0, 48)) {
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
        pick = pick && pick[0] === next[0] && pick[1] === next[1] ? null : next;
        pickTrue.value = pick ? String(pick[0]) : "";
        pickPred.value = pick ? String(pick[1]) : "";
        renderGallery();
      });
    }
  }

  clearBtn.addEventListener("click", () => { pick = null; pickTrue.value = pickPred.value = ""; renderGallery(); });

  return {
    update(ev) {
      if (!ev?.confusion) return;
      last = ev;
      empty.hidden = true;
      pair.hidden = false;
      if (typeof ev.accuracy === "number") acc.textContent = `${(ev.accuracy * 100).toFixed(1)}%`;
      renderHeat();
      renderGallery();
    },
    reset() {
      last = null;
      pick = null;
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
