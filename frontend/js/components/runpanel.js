// Start / pause / resume / stop, live learning rate, and progress readouts of the current run.
import { h } from "../dom.js";
import { setText, t } from "../i18n.js";
import { bus } from "../bus.js";
import * as run from "../run.js";
import { api } from "../api.js";
import { showError, toast } from "../toast.js";

/** Seconds as "1:05" or "42s"; rounded first, so 59.6 s is "1:00", never "0:60". */
export function fmtEta(s) {
  if (!Number.isFinite(s) || s < 0) return "–";
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  return m ? `${m}:${String(total % 60).padStart(2, "0")}` : `${total}s`;
}

// The rate is smoothed over ~5 s (an exponential moving average): one slow batch under load
// must not make "time left" jump from 1:54 to 27:10.
const SMOOTH = 0.2;

/** createRunPanel(el, {buildRequest() -> RunCreate | null, controlsEl}) -> {} (it listens to
 * the bus). The Start/Pause/Resume/Stop row and the progress bar go into ``controlsEl`` (the
 * top of the live panel): with a long model the training settings end below the fold. */
export function createRunPanel(el, { buildRequest, controlsEl = el }) {
  const b = (key, testid, fn, cls = "btn") => h("button", { type: "button", class: cls, testid, i18n: key, onclick: fn }, t(key));
  const startBtn = b("run.start", "start-button", onStart, "btn primary");
  const pauseBtn = b("run.pause", "pause-button", () => run.pause());
  const resumeBtn = b("run.resume", "resume-button", () => run.resume());
  const stopBtn = b("run.stop", "stop-button", () => run.stop(), "btn danger");
  const liveLr = h("input", { type: "number", step: "any", min: 0, class: "num", testid: "live-lr" });
  const applyLr = b("run.apply_lr", "apply-lr", () => {
    const v = Number(liveLr.value);
    if (!(v > 0)) return showError({ message: t("run.bad_lr", { value: liveLr.value }) });
    run.setLr(v).then((ok) => ok && toast(t("run.lr_applied", { lr: v })));
  });
  const saveName = h("input", { type: "text", size: 10, testid: "run-save-name", "data-i18n-placeholder": "builder.save_name", placeholder: t("builder.save_name") });
  const download = h("a", { class: "btn small", testid: "run-download", hidden: true, i18n: "run.download" }, t("run.download"));
  const saveBtn = b("run.save_model", "run-save", async () => {
    const cur = run.currentRun();
    const name = saveName.value.trim();
    if (!cur || !name) return showError({ message: t("builder.save_need_name") });
    try {
      await api.saveRun(cur.id, name);
      toast(t("builder.saved", { name }));
      download.href = api.modelUrl(name);
      download.setAttribute("download", `${name}.npz`);
      download.hidden = false;
      bus.emit("models:changed");
    } catch (e) {
      showError(e);
    }
  });
  const ro = (key, testid) => {
    const v = h("output", { testid, class: "ro-value" }, "–");
    return [h("div", { class: "ro" }, h("span", { class: "ro-label", i18n: key }, t(key)), v), v];
  };
  const [stRow, statusOut] = ro("run.status", "run-status");
  const [qRow, queueOut] = ro("run.queue", "queue-position");
  const [eRow, epochOut] = ro("run.epoch", "progress-epoch");
  const [sRow, stepOut] = ro("run.step", "progress-step");
  const [rRow, rateOut] = ro("run.rate", "progress-rate");
  const [etaRow, etaOut] = ro("run.eta", "progress-eta");
  const bar = h("progress", { max: 1, value: 0, testid: "progress-bar", class: "progress" });

  // Beside the buttons, not only in the readouts further down: a queued run draws nothing,
  // and on a tablet the readouts are a screen below (a learner in a full class saw an empty
  // chart and a greyed Start button, and no reason).
  const queueNote = h("p", { class: "hint queue-note", testid: "queue-note", role: "status", hidden: true });
  controlsEl.append(h("div", { class: "run-bar" }, h("div", { class: "btn-row" }, startBtn, pauseBtn, resumeBtn, stopBtn), bar, queueNote));
  el.append(h("div", { class: "run-panel" },
    h("div", { class: "btn-row" }, h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "run.live_lr" }, t("run.live_lr")), liveLr), applyLr),
    h("div", { class: "readouts", testid: "progress" }, stRow, qRow, eRow, sRow, rRow, etaRow),
    h("div", { class: "btn-row" }, saveName, saveBtn, download)));

  let status = null;
  let totalSteps = 0;
  let totalEpochs = 0;
  let rateWin = []; // [time, step] pairs to estimate steps/s when the server does not say

  function buttons() {
    const active = status === "running" || status === "paused" || status === "queued";
    startBtn.disabled = active;
    pauseBtn.disabled = status !== "running";
    resumeBtn.disabled = status !== "paused";
    stopBtn.disabled = !active;
    applyLr.disabled = !(status === "running" || status === "paused");
    saveBtn.disabled = !status || status === "queued";
  }

  async function onStart() {
    const body = buildRequest();
    if (!body) return;
    startBtn.disabled = true;
    totalSteps = body.epochs * Math.ceil(body.train_size / body.batch_size);
    totalEpochs = body.epochs;
    liveLr.value = body.optimizer.lr;
    try {
      await run.start(body);
    } catch (e) {
      showError(e);
      buttons();
    }
  }

  let smooth = null;
  function showStep(step, rate) {
    stepOut.textContent = totalSteps ? `${step} / ${totalSteps}` : String(step);
    bar.value = totalSteps ? Math.min(1, step / totalSteps) : 0;
    if (Number.isFinite(rate) && rate > 0) smooth = smooth == null ? rate : smooth + SMOOTH * (rate - smooth);
    rateOut.textContent = smooth != null ? smooth.toFixed(1) : "–";
    const done = run.isFinal(status);
    etaOut.textContent = done ? "–" : fmtEta(smooth > 0 && totalSteps ? (totalSteps - step) / smooth : NaN);
  }

  bus.on("run:new", (r) => {
    rateWin = [];
    smooth = null;
    download.hidden = true;
    const cfg = r.config || {};
    if (cfg.epochs) totalEpochs = cfg.epochs;
    if (cfg.epochs && cfg.train_size && cfg.batch_size) totalSteps = cfg.epochs * Math.ceil(cfg.train_size / cfg.batch_size);
    epochOut.textContent = stepOut.textContent = rateOut.textContent = etaOut.textContent = "–";
  });
  bus.on("run:state", (r) => {
    status = r.status;
    const key = `status.${status}`;
    statusOut.textContent = t(key) === key ? status : t(key);
    if (t(key) !== key) statusOut.dataset.i18n = key; // re-labelled when the language changes
    else delete statusOut.dataset.i18n;
    statusOut.dataset.status = status;
    queueOut.textContent = status === "queued" && r.queue_position != null ? `#${r.queue_position}` : "–";
    queueNote.hidden = status !== "queued";
    if (status === "queued") setText(queueNote, "run.queued_note", { position: r.queue_position ?? "?" });
    const p = r.progress;
    if (p) {
      if (p.total_steps) totalSteps = p.total_steps;
      if (p.epoch != null) epochOut.textContent = `${p.epoch} / ${p.epochs ?? totalEpochs}`;
      if (p.step != null) showStep(p.step, p.steps_per_sec);
    }
    buttons();
  });
  let serverRate = null; // the server's own steps/s and ETA win over the local estimate
  bus.on("run:progress", (d) => {
    if (d.epoch != null) epochOut.textContent = `${d.epoch} / ${d.epochs ?? totalEpochs}`;
    if (d.total_steps) totalSteps = d.total_steps;
    // Four significant digits: a decayed rate read 0.000066666666666666 at the end of a run.
    if (d.lr != null && document.activeElement !== liveLr) liveLr.value = Number(d.lr.toPrecision(4));
    serverRate = Number.isFinite(d.steps_per_sec) ? d : null;
  });
  bus.on("run:steps", (pts) => {
    const step = pts[pts.length - 1][0];
    const now = performance.now();
    rateWin.push([now, step]);
    while (rateWin.length > 2 && now - rateWin[0][0] > 5000) rateWin.shift();
    const [t0, s0] = rateWin[0];
    const rate = now > t0 ? ((step - s0) * 1000) / (now - t0) : NaN;
    showStep(step, serverRate ? serverRate.steps_per_sec : rate);
  });
  bus.on("run:epoch", (e) => { epochOut.textContent = `${e.epoch} / ${totalEpochs || "?"}`; });
  bus.on("run:ended", () => { etaOut.textContent = "–"; });
  buttons();
  return {
    /** Space: start when idle, pause when running, resume when paused. */
    toggle() {
      if (status === "running") run.pause();
      else if (status === "paused") run.resume();
      else if (!startBtn.disabled) onStart();
    },
    /** Escape: stop the current run. */
    stop() { if (!stopBtn.disabled) run.stop(); },
  };
}
