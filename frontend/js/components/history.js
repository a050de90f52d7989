// The run table (GET /api/runs): name, model, dataset, optimizer and lr, epochs, final train
// and test accuracy, time, status. Sort by any heading, delete a run (two clicks), tick runs to
// overlay their curves on the live charts, each in its own colour.
import { h, clear } from "../dom.js";
import { t, has, onLangChange } from "../i18n.js";
import { api } from "../api.js";
import { bus } from "../bus.js";
import { showError } from "../toast.js";
import { runColor } from "./colors.js";
import { optLabel } from "./settings.js";
import { helpButton } from "./help.js";

const pct = (v) => (typeof v === "number" ? `${(v * 100).toFixed(1)}%` : "–");

function duration(r) {
  if (!r.started_at) return null;
  const end = r.finished_at || (r.status === "running" || r.status === "paused" ? Date.now() / 1000 : null);
  return end ? Math.max(0, end - r.started_at) : null;
}

function fmtDuration(s) {
  if (s == null) return "–";
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  return m ? `${m}:${String(total % 60).padStart(2, "0")}` : `${total}s`;
}

/** What the table shows of a run, with sort keys. presetTitle(name) names a preset. */
function row(r, presetTitle) {
  const cfg = r.config || {};
  const last = r.result?.epochs || null;
  const spec = cfg.spec?.name || cfg.preset || "";
  return {
    id: r.id,
    name: r.name || "",
    model: presetTitle(spec),
    dataset: has(`ds.${cfg.dataset}`) ? t(`ds.${cfg.dataset}`) : cfg.dataset || "",
    optimizer: cfg.optimizer ? `${optLabel(cfg.optimizer.name)} ${cfg.optimizer.lr}` : "",
    epochs: cfg.epochs ?? null,
    train: last?.accuracy ?? null,
    test: last?.val_accuracy ?? null,
    time: duration(r),
    status: r.status,
  };
}

const COLUMNS = [
  ["name", "runs.name"], ["model", "runs.model"], ["dataset", "runs.dataset"], ["optimizer", "runs.optimizer"],
  ["epochs", "runs.epochs"], ["train", "runs.train_acc"], ["test", "runs.test_acc"], ["time", "runs.time"], ["status", "runs.status"],
];

/** createHistory(el, {lossChart, accChart, presetTitle}) -> {refresh()} ; emits runs:list. */
export function createHistory(el, { lossChart, accChart, presetTitle }) {
  const table = h("table", { class: "run-table", testid: "run-table" });
  const body = h("tbody", { testid: "run-history" });
  const headRow = h("tr");
  table.append(h("thead", {}, headRow), body);
  const refreshBtn = h("button", { type: "button", class: "btn small", testid: "history-refresh", i18n: "history.refresh" }, t("history.refresh"));
  const empty = h("p", { class: "muted", i18n: "history.empty", testid: "history-empty" }, t("history.empty"));
  el.append(h("div", { class: "chart-head" }, h("h3", {}, h("span", { i18n: "history.title" }, t("history.title")), helpButton("help.chart.runs", "help-runs")), refreshBtn),
    empty, h("div", { class: "table-wrap" }, table));
  const shown = new Set();
  let currentId = null;
  let runs = [];
  let sortKey = "id";
  let sortDir = -1;
  let armed = null; // the delete button waiting for its confirming second click

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
      const label = `#${r.id} ${r.name || ""}`.trim();
      lossChart.addOverlay(r.id, label, full.history?.steps || [], runColor(r.id));
      accChart.addOverlay(r.id, label, full.history?.epochs || [], runColor(r.id));
    } catch (e) {
      showError(e);
    }
  }

  async function remove(r) {
    try {
      await api.deleteRun(r.id);
    } catch (e) {
      showError(e);
    }
    if (shown.has(r.id)) toggle(r, false);
    refresh();
  }

  function renderHead() {
    clear(headRow);
    headRow.append(h("th", { scope: "col" }, h("span", { class: "sr-only", i18n: "runs.compare" }, t("runs.compare"))));
    for (const [key, label] of COLUMNS) {
      const btn = h("button", { type: "button", class: "sort-btn", testid: `sort-${key}` }, t(label), sortKey === key ? (sortDir > 0 ? " ▲" : " ▼") : "");
      btn.addEventListener("click", () => {
        sortDir = sortKey === key ? -sortDir : 1;
        sortKey = key;
        render();
      });
      headRow.append(h("th", { scope: "col", "aria-sort": sortKey === key ? (sortDir > 0 ? "ascending" : "descending") : "none" }, btn));
    }
    headRow.append(h("th", { scope: "col" }, h("span", { class: "sr-only", i18n: "runs.delete" }, t("runs.delete"))));
  }

  function render() {
    renderHead();
    clear(body);
    empty.hidden = runs.length > 0;
    const rows = runs.map((r) => [r, row(r, presetTitle)]);
    rows.sort(([, a], [, b]) => {
      const x = a[sortKey] ?? -Infinity;
      const y = b[sortKey] ?? -Infinity;
      return (typeof x === "string" ? x.localeCompare(y) : x - y) * sortDir;
    });
    for (const [r, v] of rows) {
      const box = h("input", { type: "checkbox", checked: shown.has(r.id), disabled: r.id === currentId, testid: `history-overlay-${r.id}`, "aria-label": t("runs.compare_run", { id: r.id }) });
      box.addEventListener("change", () => toggle(r, box.checked));
      const del = h("button", { type: "button", class: "icon-btn", testid: `run-delete-${r.id}`, "aria-label": t("runs.delete_run", { id: r.id }), title: t("runs.delete_run", { id: r.id }) }, "✕");
      del.addEventListener("click", () => {
        if (armed !== del) {
          armed?.classList.remove("armed");
          armed = del;
          del.classList.add("armed");
          del.textContent = t("runs.confirm_delete");
          return;
        }
        armed = null;
        remove(r);
      });
      del.addEventListener("blur", () => { if (armed === del) { armed = null; del.classList.remove("armed"); del.textContent = "✕"; } });
      const st = `status.${v.status}`;
      body.append(h("tr", { testid: "history-item", "data-run": r.id, class: r.id === currentId ? "current" : null },
        h("td", {}, h("span", { class: "swatch", style: { background: runColor(r.id) } }), box),
        h("td", { class: "run-name", "data-user-text": "" }, h("span", { class: "muted-id" }, `#${r.id} `), v.name),
        h("td", {}, v.model), h("td", {}, v.dataset), h("td", {}, v.optimizer), h("td", { class: "num-cell" }, v.epochs ?? "–"),
        h("td", { class: "num-cell", testid: `run-train-acc-${r.id}` }, pct(v.train)),
        h("td", { class: "num-cell", testid: `run-test-acc-${r.id}` }, pct(v.test)),
        h("td", { class: "num-cell" }, fmtDuration(v.time)),
        h("td", { "data-status": v.status }, has(st) ? t(st) : v.status),
        h("td", {}, del)));
    }
  }

  async function refresh() {
    try {
      runs = await api.listRuns();
    } catch (e) {
      showError(e);
      return;
    }
    render();
    bus.emit("runs:list", runs);
  }

  refreshBtn.addEventListener("click", refresh);
  bus.on("run:new", (r) => { currentId = r.id; refresh(); });
  bus.on("run:ended", refresh);
  bus.on("run:epoch", refresh);
  onLangChange(render);
  refresh();
  return { refresh };
}
