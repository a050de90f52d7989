// The first conv layer's filters, before training and now, side by side (red < 0 < blue).
import { h, clear, grayToCanvas } from "../dom.js";
import { t } from "../i18n.js";
import { helpButton } from "./help.js";

/** A filter bank is (F, C, kh, kw); show each filter's channel mean as one small image. */
function filterImages(bank) {
  return (bank || []).map((f) => {
    if (!Array.isArray(f[0]?.[0])) return f; // already (kh, kw)
    const c = f.length;
    return f[0].map((row, y) => row.map((_, x) => f.reduce((s, ch) => s + ch[y][x], 0) / c));
  });
}

function drawGrid(box, bank, testid) {
  clear(box);
  const imgs = filterImages(bank);
  const scale = Math.max(4, Math.floor(40 / (imgs[0]?.length || 5)));
  for (const img of imgs) box.append(grayToCanvas(h("canvas", { class: "filter" }), img, { scale, diverging: true }));
  box.dataset.count = String(imgs.length);
  box.dataset.testid = testid;
}

/** createFilters(el) -> {update(data), reset()} */
export function createFilters(el) {
  const before = h("div", { class: "filter-grid", testid: "filters-before" });
  const now = h("div", { class: "filter-grid", testid: "filters-now" });
  const empty = h("p", { class: "muted", i18n: "filters.empty" }, t("filters.empty"));
  el.append(h("div", { class: "chart-head" }, h("h3", {}, h("span", { i18n: "filters.title" }, t("filters.title")), helpButton("help.chart.filters", "help-filters"))), empty,
    h("div", { class: "filters-pair" },
      h("div", {}, h("div", { class: "panel-sub", i18n: "filters.before" }, t("filters.before")), before),
      h("div", {}, h("div", { class: "panel-sub", i18n: "filters.now" }, t("filters.now")), now)));
  let haveBefore = false;
  return {
    update(data) {
      const first = data.initial ?? data.before;
      const cur = data.kernels ?? data.current ?? data.now ?? data.filters;
      if (!cur && !first) return;
      empty.hidden = true;
      if (first) { drawGrid(before, first, "filters-before"); haveBefore = true; }
      else if (!haveBefore && cur) { drawGrid(before, cur, "filters-before"); haveBefore = true; }
      if (cur) drawGrid(now, cur, "filters-now");
    },
    reset() {
      haveBefore = false;
      clear(before);
      clear(now);
      empty.hidden = false;
    },
  };
}
