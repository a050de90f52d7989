// HTTP and WebSocket access to the server (docs/architecture.md, docs/protocol.md).
// Every failure becomes an ApiError carrying the server's code and params (errors.js words it
// in the chosen language) and its English message.
import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || t("err.http", { status }));
    this.status = status;
    this.code = error?.code || "http_error";
    this.field = error?.field ?? null;
    this.index = error?.index ?? null;
    this.params = error?.params || {};
  }
}

/** Pull a readable error out of a 4xx/5xx body: {"error": {...}} or FastAPI's {"detail": ...}. */
function errorFromBody(status, body) {
  if (body && typeof body === "object") {
    if (body.error) return new ApiError(status, body.error);
    if (Array.isArray(body.detail)) {
      const d = body.detail[0] || {};
      const where = Array.isArray(d.loc) ? d.loc.filter((x) => x !== "body").join(".") : "";
      return new ApiError(status, { code: "invalid", message: `${where}: ${d.msg}`, field: where });
    }
    if (typeof body.detail === "string") return new ApiError(status, { code: "error", message: body.detail });
  }
  return new ApiError(status, null);
}

export async function request(method, path, body, { signal, keepalive } = {}) {
  let resp;
  try {
    resp = await fetch(path, {
      method,
      signal,
      keepalive,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, { code: "network", message: t("err.network") });
  }
  if (resp.status === 204) return null;
  let data = null;
  try {
    data = await resp.json();
  } catch (e) {
    // A request aborted while its body was read must not look like an empty success.
    if (e.name === "AbortError" || signal?.aborted) throw new DOMException("aborted", "AbortError");
    data = null;
  }
  if (signal?.aborted) throw new DOMException("aborted", "AbortError");
  if (!resp.ok) throw errorFromBody(resp.status, data);
  return data;
}

const enc = encodeURIComponent;

export const api = {
  health: () => request("GET", "/api/health"),
  meta: () => request("GET", "/api/meta"),
  validate: (spec, opts) => request("POST", "/api/specs/validate", { spec }, opts),
  createRun: (body) => request("POST", "/api/runs", body),
  listRuns: () => request("GET", "/api/runs"),
  deleteRun: (id) => request("DELETE", `/api/runs/${enc(id)}`),
  getRun: (id) => request("GET", `/api/runs/${enc(id)}`),
  pause: (id) => request("POST", `/api/runs/${enc(id)}/pause`),
  resume: (id) => request("POST", `/api/runs/${enc(id)}/resume`),
  stop: (id) => request("POST", `/api/runs/${enc(id)}/stop`),
  setLr: (id, lr) => request("PATCH", `/api/runs/${enc(id)}`, { lr }),
  evaluate: (id) => request("POST", `/api/runs/${enc(id)}/evaluate`),
  points: (id) => request("GET", `/api/runs/${enc(id)}/points?limit=500`),
  saveRun: (id, name) => request("POST", `/api/runs/${enc(id)}/save`, { name }),
  listModels: () => request("GET", "/api/models"),
  modelUrl: (name) => `/api/models/${enc(name)}`,
  /** Upload a .npz file (raw body); the server checks it with the engine's no-pickle loader. */
  async uploadModel(name, file) {
    let resp;
    try {
      resp = await fetch(`/api/models?name=${enc(name)}`, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: file });
    } catch {
      throw new ApiError(0, { code: "network", message: t("err.network") });
    }
    let data = null;
    try { data = await resp.json(); } catch { data = null; }
    if (!resp.ok) throw errorFromBody(resp.status, data);
    return data;
  },
  // Labs: instant ones answer at once (GET when there is no body); long ones are jobs.
  lab: (route, body) => request(body === undefined ? "GET" : "POST", `/api/labs${route}`, body),
  startLabJob: (lab, params) => request("POST", "/api/labs/jobs", { lab, params }),
  getLabJob: (id) => request("GET", `/api/labs/jobs/${enc(id)}`),
  stopLabJob: (id, opts) => request("POST", `/api/labs/jobs/${enc(id)}/stop`, {}, opts),
  /** One page of the examples in confusion-matrix cell (true, pred), most confident first. */
  cellMistakes: (id, { true: truth, pred, offset = 0, limit = 48 }, opts) =>
    request("GET", `/api/runs/${enc(id)}/mistakes?${new URLSearchParams({ true: truth, pred, offset, limit })}`, undefined, opts),
  predict: (source, body, opts) =>
    source.kind === "model"
      ? request("POST", `/api/models/${enc(source.id)}/predict`, body, opts)
      : request("POST", `/api/runs/${enc(source.id)}/predict`, body, opts),
};

/**
 * Follow one run over its WebSocket. handlers: {message(msg), open(), close()}.
 * Returns {send(obj), close()}; the socket reconnects while the caller has not closed it.
 */
export function runSocket(runId, handlers) {
  return followSocket(`/ws/runs/${enc(runId)}`, handlers);
}

/** Follow one lab job over /ws/labs/{id}; the same envelope and reconnection as runs. */
export function labSocket(jobId, handlers) {
  return followSocket(`/ws/labs/${enc(jobId)}`, handlers);
}

/**
 * Stop a lab job even while the page is going away (pagehide, reload): keepalive lets the
 * request outlive the page. Errors are ignored: the server also reclaims unwatched jobs.
 */
export function stopLabJobOnLeave(jobId) {
  api.stopLabJob(jobId, { keepalive: true }).catch(() => {});
}

function followSocket(path, handlers) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${proto}//${location.host}${path}`;
  let ws = null;
  let closed = false;
  let retry = 500;
  const connect = () => {
    ws = new WebSocket(url);
    ws.onopen = () => handlers.open?.();
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      // Back to quick retries only once the server really serves the stream: one it turns
      // away (too many sockets open) opens, says why and closes, so it must keep backing off.
      if (msg.type === "hello") retry = 500;
      handlers.message?.(msg);
    };
    ws.onclose = () => {
      handlers.close?.();
      if (!closed) setTimeout(connect, (retry = Math.min(retry * 2, 8000)));
    };
  };
  connect();
  return {
    send(obj) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
    },
    close() {
      closed = true;
      ws?.close();
    },
  };
}
