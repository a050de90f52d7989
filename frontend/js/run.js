// The current run's life: create it, follow its WebSocket, turn messages into bus events.
// Bus events: run:new(run) run:state(run-like) run:steps([[step, loss]]) run:epoch(e)
//             run:activations(d) run:filters(d) run:evaluation(d) run:weights(d) run:ended(run)
import { api, runSocket } from "./api.js";
import { bus } from "./bus.js";
import { showError } from "./toast.js";

let current = null; // {id, socket, lastStep, lastEpoch, status}

const FINAL = new Set(["completed", "stopped", "failed", "diverged", "interrupted", "finished", "done", "error", "cancelled"]);

export function isFinal(status) {
  return FINAL.has(status);
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
  setStatus(run.status, run);
}

function setStatus(status, run) {
  const was = current.status;
  if (status) current.status = status;
  // A run that failed or diverged says why in plain words: show it once, never only in the console.
  if (run?.error?.message && status !== was && (status === "failed" || status === "diverged")) showError(run.error);
  bus.emit("run:state", { ...(run || {}), id: current.id, status: current.status });
  if (isFinal(current.status)) bus.emit("run:ended", { id: current.id, status: current.status });
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

/** Follow an existing run (fresh or from the history list). */
export function follow(run) {
  current?.socket.close();
  current = { id: run.id, socket: null, lastStep: 0, lastEpoch: 0, status: run.status };
  bus.emit("run:new", run);
  applyRun(run);
  current.socket = runSocket(run.id, {
    message: onMessage,
    open: () => bus.emit("ws:state", "open"),
    close: () => bus.emit("ws:state", "closed"),
  });
}

export async function start(body) {
  const run = await api.createRun(body);
  follow(run);
  return run;
}

async function act(fn) {
  if (!current) return;
  try {
    const run = await fn(current.id);
    if (run) setStatus(run.status, run);
  } catch (e) {
    showError(e);
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
