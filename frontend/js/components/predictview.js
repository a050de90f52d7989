// What the network sees and says: the 28×28 input, probability bars 0–9, conv feature maps.
import { h, clear, grayToCanvas } from "../dom.js";
import { t } from "../i18n.js";

/** {shape: [m, h, w], data: base64 bytes} -> m maps of h rows of 0..255 (each map's own scale). */
function decodeMaps({ shape: [m, hgt, w], data }) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const maps = [];
  for (let k = 0; k < m; k++) {
    const rows = [];
    for (let r = 0; r < hgt; r++) rows.push(Array.from(bytes.subarray((k * hgt + r) * w, (k * hgt + r + 1) * w)));
    maps.push(rows);
  }
  return maps;
}

/** createPredictView(el, {classLabel(i)}) -> {update(prediction), reset()} */
export function createPredictView(el, { classLabel }) {
  const seen = h("canvas", { class: "seen", testid: "seen-image", width: 112, height: 112 });
  const top = h("output", { class: "big-number", testid: "prediction-top" }, "–");
  const bars = h("div", { class: "prob-bars", testid: "prob-bars" });
  const maps = h("div", { class: "feature-maps", testid: "feature-maps" });
  const mapsTitle = h("div", { class: "panel-sub", i18n: "draw.maps" }, t("draw.maps"));
  el.append(h("div", { class: "predict" },
    h("div", { class: "seen-box" }, h("div", { class: "panel-sub", i18n: "draw.seen" }, t("draw.seen")), seen,
      h("div", { class: "panel-sub", i18n: "draw.top" }, t("draw.top")), top),
    h("div", { class: "bars-box" }, h("div", { class: "panel-sub", i18n: "draw.probs" }, t("draw.probs")), bars)),
  h("div", { class: "maps-box" }, mapsTitle, maps));

  const rows = [];
  function ensureRows(n) {
    if (rows.length === n) return;
    clear(bars);
    rows.length = 0;
    for (let i = 0; i < n; i++) {
      const fill = h("span", { class: "bar-fill" });
      const val = h("span", { class: "bar-val" }, "");
      const label = h("span", { class: "bar-label" }, classLabel(i));
      const row = h("div", { class: "bar-row", testid: `prob-bar-${i}` }, label, h("span", { class: "bar-track" }, fill), val);
      rows.push({ row, fill, val, label });
      bars.append(row);
    }
  }

  function reset() {
    top.textContent = "–";
    delete top.dataset.value;
    bars.dataset.judged = "0";
    ensureRows(10);
    for (const r of rows) { r.fill.style.width = "0%"; r.val.textContent = ""; r.row.classList.remove("top"); }
    clear(maps);
    seen.getContext("2d").clearRect(0, 0, seen.width, seen.height);
  }

  reset();
  return {
    update(p, judged = 1) {
      if (!p?.probs) return;
      ensureRows(p.probs.length);
      bars.dataset.judged = String(judged); // how often this drawing was judged (tests, a11y)
      p.probs.forEach((v, i) => {
        rows[i].fill.style.width = `${(v * 100).toFixed(1)}%`;
        rows[i].val.textContent = `${(v * 100).toFixed(1)}%`;
        rows[i].row.classList.toggle("top", i === p.top);
        rows[i].label.textContent = classLabel(i); // MNIST and Fashion-MNIST both have 10 rows
      });
      top.textContent = classLabel(p.top);
      top.dataset.value = String(p.top);
      if (p.input) grayToCanvas(seen, p.input, { scale: 4 });
      clear(maps);
      for (const layer of p.layers || []) {
        if (!layer.feature_maps) continue;
        const cells = decodeMaps(layer.feature_maps).slice(0, 16).map((fm) => grayToCanvas(h("canvas", { class: "fmap" }), fm, { scale: Math.max(1, Math.floor(48 / fm.length)) }));
        const typeKey = `layer.${layer.type}`;
        maps.append(h("div", { class: "fmap-layer", testid: `feature-maps-${layer.index}` },
          h("div", { class: "panel-sub" }, `${layer.index}: `, h("span", { i18n: typeKey }, t(typeKey)), ` ${JSON.stringify(layer.shape || "")}`),
          h("div", { class: "fmap-grid" }, cells)));
      }
    },
    reset,
  };
}
