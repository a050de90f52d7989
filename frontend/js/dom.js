// Tiny DOM helpers so components stay short and readable (no framework on purpose).

/**
 * Create an element. attrs: plain attributes, plus `on<Event>` listeners, `class`, `text`,
 * `i18n` (a translation key, re-labelled live by applyI18n) and `testid`.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "i18n") el.dataset.i18n = v;
    else if (k === "testid") el.dataset.testid = v;
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A labelled form field: <label><span i18n>..</span> control</label>. */
export function field(labelKey, control, extraClass = "") {
  return h("label", { class: `field ${extraClass}` }, h("span", { class: "field-label", i18n: labelKey }), control);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Call fn at most once per `ms` of quiet; returns the wrapped function. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/**
 * Run fn `ms` after the first call of a burst, then again after each further `ms` while calls
 * keep coming: unlike debounce it keeps firing during a long stroke. Has .cancel().
 */
export function throttle(fn, ms) {
  let timer = null;
  const wrapped = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  wrapped.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  return wrapped;
}

/** Schedule fn for the next animation frame, coalescing repeated requests into one call. */
export function frameBatcher(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}

export function formatShape(shape) {
  if (!Array.isArray(shape)) return "–";
  return `(${shape.join("×")})`;
}

export function formatInt(n) {
  return typeof n === "number" ? n.toLocaleString("en-US") : "–";
}

/** Map a value in [0,1] to a light-to-dark blue, used by heatmaps and image canvases. */
export function grayToCanvas(canvas, img, { scale = 1, diverging = false } = {}) {
  const rows = img.length;
  const cols = rows ? img[0].length : 0;
  canvas.width = cols * scale;
  canvas.height = rows * scale;
  const ctx = canvas.getContext("2d");
  const data = ctx.createImageData(cols, rows);
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of img) for (const v of row) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi - lo || 1;
  const absMax = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  let p = 0;
  for (const row of img) {
    for (const v of row) {
      if (diverging) {
        // Negative weights red, positive blue: the sign of a filter weight matters for reading it.
        const a = Math.min(1, Math.abs(v) / absMax);
        const pos = v >= 0;
        data.data[p] = pos ? 255 * (1 - a) : 255;
        data.data[p + 1] = 255 * (1 - a);
        data.data[p + 2] = pos ? 255 : 255 * (1 - a);
      } else {
        const g = 255 * (1 - (v - lo) / span);
        data.data[p] = data.data[p + 1] = data.data[p + 2] = g;
      }
      data.data[p + 3] = 255;
      p += 4;
    }
  }
  if (scale === 1) {
    ctx.putImageData(data, 0, 0);
    return canvas;
  }
  const tmp = document.createElement("canvas");
  tmp.width = cols;
  tmp.height = rows;
  tmp.getContext("2d").putImageData(data, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, cols * scale, rows * scale);
  return canvas;
}
