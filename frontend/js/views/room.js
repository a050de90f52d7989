// The class view (#/room): for the teacher, every learner's runs live in one table, the
// projector (pinned runs' loss curves overlaid, their draw pads side by side), the class
// limits and the experiment handed out; for a learner, the experiment, their place in the
// queue and why, and their own runs to share. #/room/run/<id> opens one run (a shared link).
// Live: the /ws/runs stream (the teacher's carries every run, a learner's their own) says
// when something changed; the view then re-reads the table, at most every REFRESH_MS.
import { h, clear, field } from "../dom.js";
import { t, applyI18n, onLangChange } from "../i18n.js";
import { request, api } from "../api.js";
import { baseLayout, PLOT_CONFIG, PALETTE } from "../components/plot.js";
import { createDrawPad } from "../components/drawpad.js";
import { configParam } from "../urlstate.js";
import { me } from "./signin.js";

const REFRESH_MS = 500;
const POLL_MS = 2000; // step curves between epochs (the stream sends status per epoch)
const LIVE = new Set(["queued", "running", "paused"]);
let current = null;

const fmt = (v, digits = 3) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));
const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);
const teacher = () => me.role === "teacher" || me.role === "local";

// Text made with t() at render time (curves' axis, queue reasons, predictions) is redrawn.
onLangChange(() => {
  if (!current) return;
  for (const el of current.root.querySelectorAll("[data-digit]")) el.textContent = t("room.prediction", { d: el.dataset.digit });
  schedule();
});

export function leaveRoom() {
  if (!current) return;
  current.closed = true;
  current.ws?.close();
  clearInterval(current.poll);
  current = null;
}

export async function renderRoom(root, runId = null) {
  leaveRoom();
  clear(root);
  const s = (current = { root, pads: new Map(), pinned: [], runs: [], closed: false, due: 0, timer: null });
  const plot = h("div", { class: "room-plot", testid: "room-plot" });
  const pads = h("div", { class: "room-pads", testid: "room-pads" });
  s.plot = plot;
  s.padsEl = pads;
  s.single = runId;
  if (runId) {
    s.heading = h("h2", { testid: "run-heading" }, t("room.run", { id: runId }));
    root.append(h("section", { class: "panel room" },
      h("a", { href: "#/room", class: "btn small", i18n: "room.back" }, t("room.back")), s.heading, plot, pads));
    s.pinned = [runId];
  } else if (teacher()) {
    s.table = h("tbody", { testid: "room-rows" });
    root.append(
      h("section", { class: "panel room", testid: "projector" },
        h("h2", { i18n: "room.projector" }, t("room.projector")),
        h("p", { class: "hint", i18n: "room.projector.hint" }, t("room.projector.hint")), plot, pads),
      h("section", { class: "panel room" }, h("h2", { i18n: "room.title" }, t("room.title")),
        h("div", { class: "room-scroll" },
          h("table", { class: "room-table", testid: "room-table" }, head(true), s.table))),
      h("div", { class: "room-forms" }, limitsForm(), experimentForm()));
  } else {
    s.banner = h("div", { testid: "experiment" });
    s.queue = h("ul", { class: "room-queue", testid: "my-queue" });
    s.table = h("tbody", { testid: "room-rows" });
    root.append(s.banner,
      h("section", { class: "panel room" }, h("h2", { i18n: "room.queue" }, t("room.queue")), s.queue),
      h("section", { class: "panel room" }, h("h2", { i18n: "room.mine" }, t("room.mine")),
        h("div", { class: "room-scroll" },
          h("table", { class: "room-table", testid: "room-table" }, head(false), s.table))));
  }
  applyI18n(root);
  await refresh();
  follow(s);
  s.poll = setInterval(() => { if (s.runs.some((r) => LIVE.has(r.status))) schedule(); }, POLL_MS);
}

function follow(s) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/ws/runs`);
  ws.onmessage = () => schedule();
  ws.onclose = () => { if (!s.closed) setTimeout(() => !s.closed && follow(s), 2000); };
  s.ws = ws;
}

function schedule() {
  const s = current;
  if (!s || s.timer) return;
  s.timer = setTimeout(async () => { s.timer = null; if (!s.closed) await refresh(); },
    Math.max(0, s.due - Date.now()));
  s.due = Date.now() + REFRESH_MS;
}

async function refresh() {
  const s = current;
  if (s.single) {
    const run = await api.getRun(s.single);
    s.runs = [run];
    s.heading.textContent = `${t("room.run", { id: run.id })} — ${run.owner ?? ""} · ${run.name} · ${t(`status.${run.status}`)}`;
  } else if (teacher()) {
    const room = await request("GET", "/api/classroom/room");
    s.runs = room.runs;
    s.pinned = room.pinned;
    rows(s, room.runs, true);
  } else {
    const [mine, info] = await Promise.all([request("GET", "/api/classroom/room"), request("GET", "/api/classroom")]);
    s.runs = mine.runs;
    rows(s, mine.runs, false);
    banner(s, info.experiment);
    queue(s, info.queue);
  }
  await projector(s);
}

function head(withPin) {
  const cols = [...(withPin ? ["pin", "learner"] : []), "model", "optimizer", "lr", "epoch", "loss", "acc", "status", "actions"];
  return h("thead", {}, h("tr", {}, cols.map((c) => h("th", { i18n: `room.col.${c}` }, t(`room.col.${c}`)))));
}

function rows(s, list, withPin) {
  clear(s.table);
  if (!list.length) s.table.append(h("tr", {}, h("td", { colspan: 10, i18n: "room.empty" }, t("room.empty"))));
  for (const r of list) {
    const act = (what, key) => h("button", { type: "button", class: "btn small", testid: `${what}-${r.id}`, i18n: key,
      onClick: async () => { await request("POST", `/api/runs/${r.id}/${what}`); schedule(); } }, t(key));
    const actions = [h("a", { href: `#/room/run/${r.id}`, class: "btn small", testid: `open-${r.id}`, i18n: "room.open" }, t("room.open"))];
    if (r.status === "running") actions.push(act("pause", "room.pause"));
    if (r.status === "paused") actions.push(act("resume", "room.resume"));
    if (LIVE.has(r.status)) actions.push(act("stop", "room.stop"));
    if (!withPin) {
      const on = !r.shared;
      actions.push(h("button", { type: "button", class: "btn small", testid: `share-${r.id}`, i18n: on ? "room.share" : "room.unshare",
        onClick: async () => {
          const res = await request("POST", `/api/classroom/share/${r.id}`, { on });
          r.shared = on;
          if (on) navigator.clipboard?.writeText(`${location.origin}/#/room/run/${res.id}`).catch(() => {});
          rows(s, list, withPin);
        } }, t(on ? "room.share" : "room.unshare")));
    }
    const pin = withPin && h("input", { type: "checkbox", checked: Boolean(r.pinned), testid: `pin-${r.id}`,
      onChange: async (ev) => { await request("POST", `/api/classroom/pins/${r.id}`, { on: ev.target.checked }); schedule(); } });
    s.table.append(h("tr", { testid: `room-row-${r.id}`, "data-status": r.status, "data-epoch": r.epoch ?? "" },
      withPin && h("td", {}, pin), withPin && h("td", { class: "learner" }, r.learner ?? "–"),
      h("td", { class: "model" }, `${r.name} · ${r.model}`), h("td", {}, r.optimizer), h("td", {}, r.lr),
      h("td", { testid: `epoch-${r.id}` }, `${r.epoch ?? 0} / ${r.epochs ?? "?"}`),
      h("td", {}, fmt(r.loss)), h("td", {}, pct(r.test_accuracy)),
      h("td", { class: `status ${r.status}` }, t(`status.${r.status}`), r.shared ? h("span", { class: "tag", i18n: "room.shared" }, ` ${t("room.shared")}`) : null),
      h("td", { class: "actions" }, actions)));
  }
}

async function projector(s) {
  const ids = s.pinned;
  const runs = await Promise.all(ids.map((id) => api.getRun(id).catch(() => null)));
  const shown = runs.filter(Boolean);
  const traces = shown.map((r, i) => ({ x: r.history.steps.map((p) => p[0]), y: r.history.steps.map((p) => p[1]),
    name: `${r.owner ?? ""} ${r.name} #${r.id}`.trim(), mode: "lines", line: { color: PALETTE[i % PALETTE.length], width: 1.5 } }));
  s.plot.dataset.traces = String(traces.length);
  s.plot.hidden = !traces.length; // nothing pinned: the hint above says what goes here, no empty axes
  if (window.Plotly && traces.length) Plotly.react(s.plot, traces, baseLayout({ height: 260, xaxis: { gridcolor: "#eceff1", title: { text: t("chart.step") } }, yaxis: { gridcolor: "#eceff1", title: { text: t("room.curve") } } }), PLOT_CONFIG);
  for (const [id, pad] of s.pads) if (!ids.includes(id)) { pad.el.remove(); s.pads.delete(id); }
  for (const r of shown) {
    const dims = r.config.spec.input_shape || [];
    if (s.pads.has(r.id) || dims.reduce((a, b) => a * b, 1) < 64) continue; // 2-D toy data: no drawing
    const out = h("div", { class: "pad-out", testid: `pad-out-${r.id}` }, "");
    const el = h("div", { class: "card room-pad", testid: `pad-${r.id}` }, h("h3", {}, `${r.owner ?? ""} · ${r.name} #${r.id}`));
    const pad = createDrawPad(el, {
      onDraw: async () => {
        try {
          const p = await api.predict({ kind: "run", id: r.id }, { pixels: pad.pixels(), layers: false });
          out.dataset.digit = p.top;
          out.textContent = t("room.prediction", { d: p.top });
        } catch (e) { delete out.dataset.digit; out.textContent = e.message; }
      },
      onClear: () => { delete out.dataset.digit; out.textContent = ""; },
    });
    el.append(out);
    s.padsEl.append(el);
    s.pads.set(r.id, { el, pad });
  }
}

function banner(s, exp) {
  clear(s.banner);
  if (!exp) return;
  s.banner.append(h("section", { class: "panel room experiment" },
    h("h2", {}, t("room.experiment.from", { name: exp.by || "" })), h("p", { class: "note" }, exp.note),
    h("a", { class: "btn primary", href: `#/playground?c=${exp.config}`, testid: "experiment-open", i18n: "room.experiment.open" }, t("room.experiment.open"))));
}

function queue(s, items) {
  clear(s.queue);
  if (!items.length) s.queue.append(h("li", { i18n: "room.queue.none" }, t("room.queue.none")));
  for (const q of items) {
    s.queue.append(h("li", { testid: `queue-${q.id}` }, h("strong", {}, t("room.queue.item", q)), " — ",
      t(`room.reason.${q.reason}`, { slots: q.slots, running: q.running, limit: q.limit })));
  }
}

function limitsForm() {
  const keys = ["max_running", "max_queued", "max_params", "max_epochs"];
  const inputs = Object.fromEntries(keys.map((k) => [k, h("input", { type: "number", min: 0, testid: `limit-${k}`, "data-i18n-placeholder": "room.limit.none", placeholder: t("room.limit.none") })]));
  const msg = h("span", { class: "hint" });
  request("GET", "/api/classroom").then((info) => { for (const k of keys) inputs[k].value = info.limits[k] ?? ""; });
  const form = h("form", { class: "panel room" }, h("h2", { i18n: "room.limits" }, t("room.limits")),
    keys.map((k) => field(`room.limit.${k}`, inputs[k])),
    h("button", { type: "submit", class: "btn", i18n: "room.save" }, t("room.save")), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = Object.fromEntries(keys.map((k) => [k, inputs[k].value === "" ? null : Number(inputs[k].value)]));
    try { await request("PUT", "/api/classroom/limits", body); msg.textContent = t("room.saved"); } catch (e) { msg.textContent = e.message; }
  });
  return form;
}

function experimentForm() {
  const link = h("input", { type: "url", testid: "experiment-link" });
  const note = h("textarea", { rows: 3, maxlength: 2000, testid: "experiment-note" });
  const msg = h("span", { class: "hint" });
  const form = h("form", { class: "panel room" }, h("h2", { i18n: "room.experiment" }, t("room.experiment")),
    field("room.experiment.link", link), field("room.experiment.note", note),
    h("button", { type: "submit", class: "btn primary", i18n: "room.experiment.send" }, t("room.experiment.send")), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let c = null;
    try { c = configParam(new URL(link.value, location.href).hash); } catch { c = null; }
    if (!c) { msg.textContent = t("room.experiment.bad"); return; }
    try { await request("PUT", "/api/classroom/experiment", { config: c, note: note.value }); msg.textContent = t("room.saved"); } catch (e) { msg.textContent = e.message; }
  });
  return form;
}
