// Decision boundary for the 2-D toy sets, as in TensorFlow Playground: the network's
// probability of class 1 over a grid, with the training points on top. One /predict call
// with all grid points per refresh, at most once a second while the run trains.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api, ApiError } from "../api.js";
import { showError } from "../toast.js";
import { PLOT_CONFIG, baseLayout, PALETTE } from "./plot.js";

const CELLS = 50; // per axis: 2,500 points, a few ms on the server
const MIN_INTERVAL_MS = 1000;
const SCALE = [[0, "#9ec2f7"], [0.5, "#ffffff"], [1, "#f7bd8b"]]; // class 0 blue, class 1 orange

function gridFor(points) {
  const xs = points?.x?.length ? points.x : [[-1.2, -1.2], [1.2, 1.2]];
  const lo = [0, 1].map((k) => Math.min(...xs.map((p) => p[k])));
  const hi = [0, 1].map((k) => Math.max(...xs.map((p) => p[k])));
  const axis = (k) => {
    const pad = (hi[k] - lo[k]) * 0.1 || 0.5;
    return Array.from({ length: CELLS }, (_, i) => lo[k] - pad + ((hi[k] - lo[k] + 2 * pad) * i) / (CELLS - 1));
  };
  const gx = axis(0);
  const gy = axis(1);
  const flat = [];
  for (const y of gy) for (const x of gx) flat.push([x, y]);
  return { gx, gy, flat };
}

export function createBoundary(el) {
  const plotEl = h("div", { class: "plot boundary-plot", testid: "boundary-plot" });
  el.append(
    h("h3", { i18n: "boundary.title" }, t("boundary.title")),
    h("p", { class: "hint", i18n: "boundary.hint" }, t("boundary.hint")),
    plotEl);
  let runId = null;
  let points = null;
  let grid = gridFor(null);
  let busy = false;
  let lastAt = 0;

  function draw(probs) {
    const z = [];
    for (let r = 0; r < CELLS; r++) z.push(probs.slice(r * CELLS, (r + 1) * CELLS).map((p) => p[1]));
    const traces = [{ type: "heatmap", x: grid.gx, y: grid.gy, z, zmin: 0, zmax: 1, colorscale: SCALE, showscale: false, hoverinfo: "skip" }];
    for (const cls of [0, 1]) {
      const idx = points ? points.y.map((y, i) => (y === cls ? i : -1)).filter((i) => i >= 0) : [];
      traces.push({ type: "scatter", mode: "markers", name: `${t("boundary.class")} ${cls}`,
        x: idx.map((i) => points.x[i][0]), y: idx.map((i) => points.x[i][1]),
        marker: { size: 5, color: PALETTE[cls], line: { width: 0.5, color: "#fff" } } });
    }
    Plotly.react(plotEl, traces, baseLayout({ height: 320, margin: { l: 36, r: 8, t: 24, b: 28 },
      xaxis: { range: [grid.gx[0], grid.gx[CELLS - 1]], zeroline: false },
      yaxis: { range: [grid.gy[0], grid.gy[CELLS - 1]], scaleanchor: "x", zeroline: false } }), PLOT_CONFIG);
    plotEl.dataset.drawn = String(Number(plotEl.dataset.drawn || 0) + 1);
  }

  let pending = false;
  async function refresh(force = false) {
    const now = performance.now();
    if (runId === null || (!force && now - lastAt < MIN_INTERVAL_MS)) return;
    if (busy) { // the last weights must always be drawn: refresh again when this one lands
      pending = pending || force;
      return;
    }
    busy = true;
    lastAt = now;
    const id = runId;
    try {
      const r = await api.predict({ kind: "run", id }, { points: grid.flat });
      if (id === runId) draw(r.probs);
    } catch (e) {
      // 409: the run has no weights yet (queued); the next step or epoch tries again.
      if (!(e instanceof ApiError && e.status === 409)) showError(e);
    } finally {
      busy = false;
      if (pending) {
        pending = false;
        refresh(true);
      }
    }
  }

  return {
    /** Follow a new run: fetch its training points, then draw as weights arrive. */
    async start(id) {
      runId = id;
      points = null;
      try {
        points = await api.points(id);
      } catch (e) {
        showError(e);
      }
      grid = gridFor(points);
    },
    refresh,
    reset() {
      runId = null;
      points = null;
      delete plotEl.dataset.drawn;
      Plotly.purge(plotEl);
    },
  };
}
