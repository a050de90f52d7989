// A 280×280 pad for mouse, pen and touch (pointer events). Dark ink on white; the server
// crops, scales and centres the drawing the way MNIST digits were prepared.
import { h } from "../dom.js";
import { t } from "../i18n.js";

const SIZE = 280;

/** createDrawPad(el, {onDraw(pixels), onClear()}) -> {pixels(), clear(), isBlank(), isDrawing()} */
export function createDrawPad(el, { onDraw, onClear }) {
  const canvas = h("canvas", { width: SIZE, height: SIZE, class: "pad", testid: "draw-canvas", "data-i18n-aria": "draw.canvas", "aria-label": t("draw.canvas") });
  const brush = h("input", { type: "range", min: 6, max: 40, value: 18, testid: "brush-size" });
  const clearBtn = h("button", { type: "button", class: "btn", testid: "draw-clear", i18n: "draw.clear" }, t("draw.clear"));
  el.append(h("div", { class: "pad-wrap" }, canvas,
    h("div", { class: "btn-row" }, clearBtn,
      h("label", { class: "field inline" }, h("span", { class: "field-label", i18n: "draw.brush" }, t("draw.brush")), brush))));
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let drawing = false;
  let last = null;
  let blank = true;

  function wipe() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, SIZE, SIZE);
    blank = true;
  }

  function pos(ev) {
    const r = canvas.getBoundingClientRect();
    return [((ev.clientX - r.left) * SIZE) / r.width, ((ev.clientY - r.top) * SIZE) / r.height];
  }

  function line(a, b) {
    ctx.strokeStyle = "#111";
    ctx.lineWidth = Number(brush.value);
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
    blank = false;
  }

  function pixels() {
    const img = ctx.getImageData(0, 0, SIZE, SIZE);
    // base64 of the raw RGBA bytes, in chunks: String.fromCharCode has an argument limit.
    let bin = "";
    for (let i = 0; i < img.data.length; i += 0x8000) bin += String.fromCharCode.apply(null, img.data.subarray(i, i + 0x8000));
    return { width: SIZE, height: SIZE, data: btoa(bin) };
  }

  canvas.addEventListener("pointerdown", (ev) => {
    ev.preventDefault();
    canvas.setPointerCapture?.(ev.pointerId);
    drawing = true;
    last = pos(ev);
    line(last, last);
    onDraw();
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drawing) return;
    const p = pos(ev);
    line(last, p);
    last = p;
    onDraw();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onDraw();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clearBtn.addEventListener("click", () => { wipe(); onClear(); });
  wipe();
  return { pixels, clear: wipe, isBlank: () => blank, isDrawing: () => drawing };
}
