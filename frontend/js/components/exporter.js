// "PNG" and "CSV" buttons for a chart: the picture through Plotly, the numbers of every trace.
import { h } from "../dom.js";
import { t } from "../i18n.js";

function download(name, blob) {
  const a = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** One row per point: trace name, x, y (names quoted, so commas in run names are safe). */
export function tracesCsv(data, xName, yName) {
  const q = (s) => `"${String(s ?? "").replaceAll('"', '""')}"`;
  const lines = [`${q("trace")},${q(xName)},${q(yName)}`];
  for (const tr of data) (tr.x || []).forEach((x, i) => lines.push(`${q(tr.name)},${x},${tr.y?.[i] ?? ""}`));
  return lines.join("\n") + "\n";
}

/** exportButtons(plotEl, basename, () => csvText) -> <span> with the two buttons. */
export function exportButtons(plotEl, basename, csv) {
  const png = h("button", { type: "button", class: "btn small", testid: `${basename}-png`, "data-i18n-title": "export.png", title: t("export.png") }, "PNG");
  const data = h("button", { type: "button", class: "btn small", testid: `${basename}-csv`, "data-i18n-title": "export.csv", title: t("export.csv") }, "CSV");
  png.addEventListener("click", () => Plotly.downloadImage(plotEl, { format: "png", filename: basename, width: 900, height: 500 }));
  data.addEventListener("click", () => download(`${basename}.csv`, new Blob([csv()], { type: "text/csv" })));
  return h("span", { class: "export" }, png, data);
}
