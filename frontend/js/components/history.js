// Earlier runs (GET /api/runs): tick one to overlay its loss and accuracy on the live charts.
import { h, clear } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { bus } from "../bus.js";
import { showError } from "../toast.js";

function label(r) {
  return `#${r.id} ${r.name || ""}`.trim(); // names repeat; the id tells runs apart
}

function accText(r) {
  const a = r.result?.accuracy ?? r.result?.val_accuracy ?? r.accuracy;
  return typeof a === "number" ? `${(a * 100).toFixed(1)}%` : "";
}

/** createHistory(el, {lossChart, accChart}) -> {refresh()} ; emits runs:list with the summaries. */
export function createHistory(el, { lossChart, accChart }) {
  const list = h("ul", { class: "run-list", testid: "run-history" });
  const refreshBtn = h("button", { type: "button", class: "btn small", testid: "history-refresh", i18n: "history.refresh" }, t("history.refresh"));
  el.append(h("div", { class: "chart-head" }, h("h3", { i18n: "history.title" }, t("history.title")), refreshBtn), list);
  const shown = new Set();
  let currentId = null;

  async function toggle(r, on) {
    if (!on) {
      shown.delete(r.id);
      lossChart.removeOverlay(r.id);
      accChart.removeOverlay(r.id);
      return;
    }
    try {
      const full = await api.getRun(r.id);
      shown.add(r.id);
      lossChart.addOverlay(r.id, label(r), full.history?.steps || []);
      accChart.addOverlay(r.id, label(r), full.history?.epochs || []);
    } catch (e) {
      showError(e);
    }
  }

  async function refresh() {
    let runs = [];
    try {
      runs = await api.listRuns();
    } catch (e) {
      showError(e);
      return;
    }
    clear(list);
    if (!runs.length) list.append(h("li", { class: "muted", i18n: "history.empty" }, t("history.empty")));
    for (const r of runs) {
      const box = h("input", { type: "checkbox", checked: shown.has(r.id), disabled: r.id === currentId, testid: `history-overlay-${r.id}` });
      box.addEventListener("change", () => toggle(r, box.checked));
      const st = `status.${r.status}`;
      list.append(h("li", { testid: "history-item", "data-run": r.id },
        h("label", { class: "toggle" }, box, h("span", { class: "run-name" }, label(r))),
        h("span", { class: "run-meta" }, r.dataset ? `${r.dataset} · ` : "", h("span", { i18n: st }, t(st)), " ", accText(r))));
    }
    bus.emit("runs:list", runs);
  }

  refreshBtn.addEventListener("click", refresh);
  bus.on("run:new", (r) => { currentId = r.id; refresh(); });
  bus.on("run:ended", refresh);
  refresh();
  return { refresh };
}
