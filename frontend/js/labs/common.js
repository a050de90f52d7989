// Shared helpers for the lab views: DOM building, bilingual text, server calls, job streams
// and Plotly charts. Every lab module builds its UI with these, so the labs look alike.

export const COLORS = {
  sgd: "#1f77b4", momentum: "#ff7f0e", nesterov: "#8c564b", adagrad: "#2ca02c",
  rmsprop: "#9467bd", adam: "#d62728",
};

// h("div", {class: "x", onclick: fn}, child, "text", ...) -> element
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// A span that shows Japanese or English; applyLang() switches every such span at once.
export function T(ja, en, tag = "span", attrs = {}) {
  const el = h(tag, { ...attrs, "data-ja": ja, "data-en": en });
  el.textContent = currentLang === "ja" ? ja : en;
  return el;
}

let currentLang = "ja";
export function setLang(lang) { currentLang = lang === "en" ? "en" : "ja"; }
export function L(ja, en) { return currentLang === "ja" ? ja : en; }
export function applyLang(root, lang) {
  setLang(lang);
  for (const el of root.querySelectorAll("[data-ja]")) {
    el.textContent = currentLang === "ja" ? el.dataset.ja : el.dataset.en;
  }
}

// The frame every lab shares: title, chapter badge, explanation, a controls row, a status line.
export function frame(el, lab, explanation) {
  const controls = h("div", { class: "lab-controls" });
  const status = h("div", { class: "lab-status", "data-testid": `lab-status-${lab.id}`, role: "status" });
  const body = h("div", { class: "lab-body" });
  const root = h("section", { class: "lab", "data-testid": `lab-${lab.id}` },
    h("header", { class: "lab-head" },
      T(lab.title.ja, lab.title.en, "h2"),
      h("span", { class: "lab-chapter" }, lab.chapter)),
    h("div", { class: "lab-explain" }, T(explanation.ja, explanation.en, "p")),
    controls, status, body);
  el.append(root);
  return { root, controls, status, body };
}

export function numberField(ja, en, value, { step = "any", min, max, testid, width = 6 } = {}) {
  const input = h("input", { type: "number", value, step, min, max, "data-testid": testid,
    style: { width: `${width}em` } });
  const label = h("label", { class: "lab-field" }, T(ja, en), input);
  return { label, input, get value() { return Number(input.value); } };
}

export function selectField(ja, en, options, value, testid) {
  const select = h("select", { "data-testid": testid },
    options.map(([v, oja, oen]) => T(oja, oen ?? oja, "option", { value: v })));
  select.value = value;
  return { label: h("label", { class: "lab-field" }, T(ja, en), select), select };
}

export function checkbox(ja, en, checked, testid) {
  const input = h("input", { type: "checkbox", "data-testid": testid });
  input.checked = checked;
  return { label: h("label", { class: "lab-field" }, input, T(ja, en)), input };
}

export function button(ja, en, onclick, testid, cls = "lab-button") {
  return T(ja, en, "button", { class: cls, type: "button", onclick, "data-testid": testid });
}

// Errors from the server name the bad field; show them in plain words.
export function showError(status, err) {
  status.classList.add("lab-error");
  status.textContent = err?.message || String(err);
}

export function showStatus(status, ja, en) {
  status.classList.remove("lab-error");
  status.replaceChildren(T(ja, en));
}

export async function postJSON(path, body) {
  const res = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = data.error || { message: `HTTP ${res.status}` };
    throw Object.assign(new Error(e.message), e);
  }
  return data;
}

// Start a background lab and follow it over /ws/labs/{id}. Handlers: progress(data),
// result(data), state(status), error(err). Returns {stop(), close(), done: Promise}.
export function runJob(lab, params, handlers = {}) {
  let ws = null;
  let jobId = null;
  let closed = false;
  const done = postJSON("/api/labs/jobs", { lab, params }).then((job) => new Promise((resolve) => {
    jobId = job.id;
    if (closed) { stopJob(jobId); resolve("stopped"); return; }
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/ws/labs/${job.id}`);
    let last = job.status;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === "progress") handlers.progress?.(msg.data);
      else if (msg.type === "result") handlers.result?.(msg.data);
      else if (msg.type === "error") handlers.error?.(msg.data);
      else if (msg.type === "state") { last = msg.data.status; handlers.state?.(last); }
    };
    ws.onclose = () => resolve(last);
  }));
  done.catch((err) => handlers.error?.(err));
  return {
    get id() { return jobId; },
    done,
    stop() { closed = true; if (jobId) stopJob(jobId); },
    close() { closed = true; if (jobId) stopJob(jobId); ws?.close(); },
  };
}

// keepalive: the stop request still goes out when the page is being closed.
function stopJob(id) {
  fetch(`/api/labs/jobs/${id}/stop`, { method: "POST", keepalive: true }).catch(() => {});
}

// Plotly wrappers: one place for the shared look and the "at most once per frame" redraw.
const BASE_LAYOUT = {
  margin: { l: 50, r: 20, t: 36, b: 40 }, font: { size: 12 },
  paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff", legend: { orientation: "h", y: -0.2 },
};

let revision = 0;
export function chart(el, data, layout = {}, config = {}) {
  const P = window.Plotly;
  if (!P) throw new Error("Plotly is not loaded");
  // Labs grow their arrays in place; Plotly.react skips arrays it has seen before unless
  // datarevision changes, so every call carries a new one.
  return P.react(el, data, { ...BASE_LAYOUT, ...layout, datarevision: ++revision },
    { responsive: true, displaylogo: false, ...config });
}

// Coalesces many updates into one redraw per animation frame.
export function frameScheduler(draw) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  };
}

export function purge(...els) {
  for (const el of els) if (el && window.Plotly) window.Plotly.purge(el);
}

export function fmt(x, digits = 3) {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(digits);
}

// Run/Stop buttons wired to runJob with status text; `start()` returns the params to send
// and resets the view. Used by every background lab.
export function jobControls(ui, labName, { start, progress, result, testid }) {
  let job = null;
  let t0 = 0;
  const runBtn = button("実行", "Run", () => go(), `${testid}-run`);
  const stopBtn = button("停止", "Stop", () => job?.stop(), `${testid}-stop`);
  stopBtn.disabled = true;
  function go() {
    job?.close();
    const params = start();
    t0 = performance.now();
    showStatus(ui.status, "待機中…", "Queued…");
    runBtn.disabled = true; stopBtn.disabled = false;
    const mine = runJob(labName, params, {
      state: (s) => {
        if (s === "running") showStatus(ui.status, "学習中…", "Training…");
        if (s === "stopped") showStatus(ui.status, "停止しました", "Stopped");
      },
      progress,
      result: (r) => {
        const sec = ((performance.now() - t0) / 1000).toFixed(1);
        result(r);
        showStatus(ui.status, `完了（${sec} 秒）`, `Done (${sec} s)`);
      },
      error: (e) => showError(ui.status, e),
    });
    job = mine;
    mine.done.catch(() => {}).finally(() => { if (job === mine) { runBtn.disabled = false; stopBtn.disabled = true; } });
  }
  return { runBtn, stopBtn, go, close: () => job?.close(), elapsed: () => performance.now() - t0 };
}
