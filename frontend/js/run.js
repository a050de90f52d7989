// The current run's life: create it, follow its WebSocket, turn messages into bus events.
// Bus events: run:new(run) run:state(run-like) run:steps([[step, loss]]) run:epoch(e)
//             run:activations(d) run:filters(d) run:evaluation(d) run:weights(d) run:ended(run)
import { api, runSocket } from "./api.js";
import { bus } from "./bus.js";
import { showError } from "./toast.js";
import { FALLBACK_STATUSES } from "./meta.js";

let current = null; // {id, socket, lastStep, lastEpoch, status}

// The server's list comes from /api/meta ("finished"); meta.js holds the one fallback list
// (the labs use the same), for old servers.
let FINAL = new Set(FALLBACK_STATUSES.finished);
export let STATUSES = [...FALLBACK_STATUSES.statuses];

/** Take the run statuses from GET /api/meta: {statuses: [...], finished: [...]}. */
export function setStatuses(meta) {
  if (Array.isArray(meta?.statuses) && meta.statuses.length) STATUSES = meta.statuses;
  if (Array.isArray(meta?.finished) && meta.finished.length) FINAL = new Set(meta.finished);
}

export function isFinal(status) {
  return FINAL.has(status);
}

/** Whether an HTTP answer about a run is older than the steps the socket already brought:
 * it can arrive after them (seen: a pause's re-read said step 4900 when the page showed
 * 6100), and applying it would move the step count, and maybe the status, backwards. */
export function olderThanShown(run, lastStep) {
  const step = run?.progress?.step;
  return Number.isFinite(step) && step < lastStep;
}

export function currentRun() {
  return current ? { id: current.id, status: current.status } : null;
}

function pushSteps(points) {
  const fresh = points.filter((p) => Array.isArray(p) && p[0] > current.lastStep);
  if (!fresh.length) return;
  current.lastStep = fresh[fresh.length - 1][0];
  bus.emit("run:steps", fresh);
}

function pushEpoch(e) {
  if (!e || typeof e.epoch !== "number" || e.epoch <= current.lastEpoch) return;
  current.lastEpoch = e.epoch;
  bus.emit("run:epoch", e);
}

/** A Run (from HTTP or a hello/state message): replay history we have not seen, then state. */
function applyRun(run) {
  if (!run || !current) return;
  if (run.history) {
    pushSteps(run.history.steps || []);
    for (const e of run.history.epochs || []) pushEpoch(e);
  }
  // A run that ended before the socket opened still shows its last histograms.
  if (run.activations) bus.emit("run:activations", run.activations);
  setStatus(run.status, run);
}

function setStatus(status, run) {
  const was = current.status;
  if (status) current.status = status;
  // A run that failed or diverged says why in plain words: show it once, never only in the console.
  if (run?.error?.message && status !== was && (status === "failed" || status === "diverged")) showError(run.error);
  bus.emit("run:state", { ...(run || {}), id: current.id, status: current.status });
  // Status messages do not carry the queue position, so a queued run re-reads it now and then.
  if (current.status === "queued" && !current.queueTimer) {
    const me = current;
    me.queueTimer = setTimeout(() => { me.queueTimer = null; reconcile(me); }, 2000);
  }
  if (isFinal(current.status) && !current.ended) {
    current.ended = true;
    current.socket?.close(); // nothing more will come; stop reconnecting
    stopPolling(current);
    bus.emit("run:ended", { id: current.id, status: current.status });
  }
}

function onMessage(msg) {
  if (!current || (msg.run && msg.run !== current.id)) return;
  const d = msg.data || {};
  switch (msg.type) {
    case "hello":
    case "state":
      applyRun(d.run || d);
      break;
    case "step":
      if (Array.isArray(d.points)) pushSteps(d.points);
      else if (Array.isArray(d.steps)) pushSteps(d.steps);
      else pushSteps([[d.step, d.loss]]);
      bus.emit("run:progress", d);
      break;
    case "epoch":
      pushEpoch(d);
      break;
    case "status":
      setStatus(d.status, d);
      break;
    case "activations":
    case "filters":
    case "evaluation":
    case "weights":
      bus.emit(`run:${msg.type}`, d);
      break;
    case "error":
      showError(d);
      break;
    default:
      break;
  }
}

// While the socket is down the run is polled over HTTP, so progress never silently freezes.
function startPolling(me) {
  if (me.poll) return;
  me.poll = setInterval(async () => {
    if (current !== me || isFinal(me.status)) return stopPolling(me);
    try {
      const run = await api.getRun(me.id);
      if (!olderThanShown(run, me.lastStep)) applyRun(run);
    } catch (e) {
      stopPolling(me);
      showError(e);
    }
  }, 1000);
}

function stopPolling(me) {
  clearInterval(me.poll);
  me.poll = null;
}

/** Follow an existing run (fresh or from the history list). */
export function follow(run) {
  if (current) {
    current.socket.close();
    stopPolling(current);
  }
  const me = { id: run.id, socket: null, poll: null, lastStep: 0, lastEpoch: 0, status: run.status };
  current = me;
  bus.emit("run:new", run);
  applyRun(run);
  me.socket = runSocket(run.id, {
    message: onMessage,
    open: () => { stopPolling(me); bus.emit("ws:state", "open"); },
    close: () => { if (current === me && !isFinal(me.status)) startPolling(me); bus.emit("ws:state", "closed"); },
  });
}

export async function start(body) {
  const run = await api.createRun(body);
  follow(run);
  return run;
}

// Pause/resume/stop take effect at the next batch end, which the socket reports; the state is
// also re-read shortly after each action, for when the socket is down.
async function reconcile(me) {
  if (current !== me) return;
  try {
    const run = await api.getRun(me.id);
    if (current === me && !olderThanShown(run, me.lastStep)) setStatus(run.status, run);
  } catch {
    // the socket or the next poll will bring the state
  }
}

async function act(fn) {
  const me = current;
  if (!me) return;
  try {
    // The answer itself is not applied: it is often older than the socket's status message
    // (which can even arrive first), and applying it would move status and step backwards.
    await fn(me.id);
    for (const ms of [150, 600, 1500]) setTimeout(() => reconcile(me), ms);
    return true;
  } catch (e) {
    showError(e);
    return false;
  }
}

export const pause = () => act(api.pause);
export const resume = () => act(api.resume);
export const stop = () => act(api.stop);
export const setLr = (lr) => act((id) => api.setLr(id, lr));

/** Ask the server for the filters of another conv layer / a probe rate (protocol.md client messages). */
export function send(obj) {
  current?.socket?.send(obj);
}
