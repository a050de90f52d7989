// What the lab views share beyond the page's own modules: the lab frame (title, chapter,
// explanation, the book's result beside ours, controls, status line), form fields, and the
// Run/Stop controls of a background job.  DOM building is dom.js, language is i18n.js, HTTP
// and sockets are api.js, charts are components/plot.js: the same as the playground's.
import { h } from "../dom.js";
import { pick, setBoth } from "../i18n.js";
import { api, labSocket, stopLabJobOnLeave } from "../api.js";
import { jobStatuses } from "../meta.js";

export const COLORS = {
  sgd: "#1f77b4", momentum: "#ff7f0e", nesterov: "#8c564b", adagrad: "#2ca02c",
  rmsprop: "#9467bd", adam: "#d62728",
};

/** A bilingual element: both texts ride on data-ja / data-en and i18n.applyI18n relabels
 * it with the rest of the page; built with dom.h like every other element. */
export function say(ja, en, tag = "span", attrs = {}) {
  return h(tag, { ...attrs, "data-ja": ja, "data-en": en }, pick(ja, en));
}

/** Text built from live numbers in both languages: fn(p) where p(ja, en) picks the words.
 * Returns {ja, en} (what ui.here takes). */
export function both(fn) {
  return { ja: fn((ja) => ja), en: fn((ja, en) => en) };
}

/** Set el's text from fn (as in both) so that applyI18n relabels it when the language
 * changes, like a say() element. */
export function sayInto(el, fn) {
  const { ja, en } = both(fn);
  setBoth(el, ja, en);
}

// The frame every lab shares: title, chapter badge, explanation, the book's published result
// next to ours, a controls row, a status line.
export function frame(el, lab, explanation) {
  const controls = h("div", { class: "lab-controls" });
  const status = h("div", { class: "lab-status", "data-testid": `lab-status-${lab.id}`, role: "status" });
  const here = h("span", { class: "lab-here", "data-testid": `lab-here-${lab.id}` });
  const body = h("div", { class: "lab-body" });
  const book = lab.book
    ? h("p", { class: "lab-book", "data-testid": `lab-book-${lab.id}` },
      say("本の結果: ", "The book: ", "b"), say(lab.book.ja, lab.book.en), " — ",
      say("ここでは: ", "here: ", "b"), here)
    : null;
  const root = h("section", { class: "lab", "data-testid": `lab-${lab.id}` },
    h("header", { class: "lab-head" },
      say(lab.title.ja, lab.title.en, "h2"),
      h("span", { class: "lab-chapter" }, lab.chapter)),
    h("div", { class: "lab-explain" }, say(explanation.ja, explanation.en, "p")),
    book, controls, status, body);
  here.textContent = "…";
  el.append(root);
  // ours: plain text (numbers) or a {ja, en} pair
  const setHere = (ours) => {
    if (ours && typeof ours === "object") here.replaceChildren(say(ours.ja, ours.en));
    else here.textContent = String(ours);
  };
  return { root, controls, status, body, here: setHere };
}

export function numberField(ja, en, value, { step = "any", min, max, testid, width = 6 } = {}) {
  const input = h("input", { type: "number", value: String(value), step: String(step),
    min: min === undefined ? undefined : String(min), max: max === undefined ? undefined : String(max),
    "data-testid": testid, style: { width: `${width}em` } });
  const label = h("label", { class: "lab-field" }, say(ja, en), input);
  return { label, input, get value() { return Number(input.value); } };
}

export function selectField(ja, en, options, value, testid) {
  const select = h("select", { "data-testid": testid },
    options.map(([v, oja, oen]) => say(oja, oen ?? oja, "option", { value: v })));
  select.value = value;
  return { label: h("label", { class: "lab-field" }, say(ja, en), select), select };
}

export function checkbox(ja, en, checked, testid) {
  const input = h("input", { type: "checkbox", "data-testid": testid });
  input.checked = checked;
  return { label: h("label", { class: "lab-field" }, input, say(ja, en)), input };
}

export function button(ja, en, onclick, testid, cls = "lab-button") {
  return say(ja, en, "button", { class: cls, type: "button", onclick, "data-testid": testid });
}

// Errors from the server name the bad field; show them in plain words.
export function showError(status, err) {
  status.classList.add("lab-error");
  status.textContent = err?.message || String(err);
}

export function showStatus(status, ja, en) {
  status.classList.remove("lab-error");
  status.replaceChildren(say(ja, en));
}

/** An instant lab: one HTTP call, timed, with its status line. Resolves to the answer or
 * null after showing the error. */
export async function compute(ui, route, body) {
  showStatus(ui.status, "計算中…", "Computing…");
  const t0 = performance.now();
  try {
    const out = await api.lab(route, body);
    const ms = Math.round(performance.now() - t0);
    showStatus(ui.status, `完了（${ms} ms）`, `Done (${ms} ms)`);
    return out;
  } catch (err) {
    showError(ui.status, err);
    return null;
  }
}

export function fmt(x, digits = 3) {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(digits);
}

const STATUS_TEXT = {
  queued: ["待機中…", "Queued…"],
  running: ["学習中…", "Running…"],
  paused: ["一時停止中", "Paused"],
  stopped: ["停止しました", "Stopped"],
  failed: ["失敗しました", "Failed"],
  diverged: ["発散しました", "Diverged"],
  interrupted: ["中断されました（サーバーの再起動）", "Interrupted (server restart)"],
};

/**
 * Start a background lab and follow it over /ws/labs/{id} (docs/protocol.md, version 2):
 * "state" brings every partial so far (a late or reconnecting page catches up), then
 * "status", "progress", "result" and "error" are pushed as they happen. Handlers:
 * progress(data), result(data), status(summary), error(err).
 * Returns {id, done: Promise<status>, stop()}; stop() also closes the socket.
 */
export function runJob(lab, params, handlers = {}) {
  let socket = null;
  let jobId = null;
  let stopped = false;
  let seen = 0; // partials applied so far: a reconnect's "state" replays only the rest
  let gotResult = false;
  const done = (async () => {
    const { finished } = await jobStatuses();
    const job = await api.startLabJob(lab, params);
    jobId = job.id;
    handlers.status?.(job);
    if (stopped) { api.stopLabJob(jobId).catch(() => {}); return "stopped"; }
    return new Promise((resolve) => {
      const end = (status) => { socket?.close(); resolve(status); };
      const onStatus = (summary) => {
        handlers.status?.(summary);
        if (finished.includes(summary.status)) end(summary.status);
      };
      const onResult = (r) => { if (!gotResult && r != null) { gotResult = true; handlers.result?.(r); } };
      socket = labSocket(jobId, {
        message(msg) {
          const d = msg.data;
          if (msg.type === "state") {
            const partials = Array.isArray(d.progress) ? d.progress : [];
            for (const p of partials.slice(seen)) handlers.progress?.(p);
            seen = Math.max(seen, partials.length);
            if (d.result != null) onResult(d.result);
            if (d.error && d.status === "failed") handlers.error?.(d.error);
            onStatus(d);
          } else if (msg.type === "progress") {
            seen += 1;
            handlers.progress?.(d);
          } else if (msg.type === "result") {
            onResult(d);
          } else if (msg.type === "status") {
            onStatus(d);
          } else if (msg.type === "error") {
            handlers.error?.(d);
            if (d?.code === "not_found") end("failed");
          }
        },
      });
    });
  })();
  done.catch((err) => handlers.error?.(err));
  return {
    get id() { return jobId; },
    done,
    stop() {
      stopped = true;
      socket?.close();
      if (jobId !== null) stopLabJobOnLeave(jobId);
    },
  };
}

// Run/Stop buttons wired to runJob with status text; `start()` returns the params to send
// and resets the view. Used by every background lab. The status line says how long the
// first partial result and the full result took; `running` ([ja, en]) words the running state.
export function jobControls(ui, labName, { start, progress, result, testid, running }) {
  let job = null;
  let t0 = 0;
  let first = null;
  const runBtn = button("実行", "Run", () => go(), `${testid}-run`);
  const stopBtn = button("停止", "Stop", () => job?.stop(), `${testid}-stop`);
  stopBtn.disabled = true;
  const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
  function go() {
    job?.stop();
    const params = start();
    t0 = performance.now();
    first = null;
    showStatus(ui.status, "待機中…", "Queued…");
    runBtn.disabled = true; stopBtn.disabled = false;
    const mine = runJob(labName, params, {
      status: (s) => {
        if (job !== mine) return;
        if (s.status === "completed") return; // the result handler words it
        // A lab that only reads (no training) says so while it runs.
        const [ja, en] = (s.status === "running" && running) || STATUS_TEXT[s.status] || [s.status, s.status];
        const where = s.status === "queued" && s.queue_position ? ` (${s.queue_position})` : "";
        if (s.status === "failed" && s.error) showError(ui.status, s.error);
        else showStatus(ui.status, ja + where, en + where);
      },
      progress: (d) => {
        if (job !== mine) return;
        if (first === null) first = seconds();
        progress(d);
      },
      result: (r) => {
        if (job !== mine) return;
        const sec = seconds();
        result(r);
        ui.root.dataset.firstSeconds = first ?? sec;
        ui.root.dataset.fullSeconds = sec;
        showStatus(ui.status, `完了（最初の結果 ${first ?? sec} 秒・全体 ${sec} 秒）`,
          `Done (first result ${first ?? sec} s, all ${sec} s)`);
      },
      error: (e) => { if (job === mine) showError(ui.status, e); },
    });
    job = mine;
    mine.done.catch(() => {}).finally(() => {
      if (job === mine) { runBtn.disabled = false; stopBtn.disabled = true; }
    });
  }
  return { runBtn, stopBtn, go, close: () => job?.stop(), elapsed: () => performance.now() - t0 };
}
