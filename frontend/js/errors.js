// Word a server error (or warning) in the chosen language from its code and params.
// The server's English message is only the fallback for codes this page does not know.
import { t, has, getLang } from "./i18n.js";

function fmt(v) {
  if (Array.isArray(v)) return v.every((x) => typeof x === "number") ? `(${v.join("×")})` : v.join(", ");
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : String(v);
  return String(v);
}

/** "Learning rate: " for request fields, "units: " for a layer's field, "" when none. */
function fieldLabel(err) {
  const p = err.params || {};
  const layerField = p.field ?? (err.index != null ? err.field : null);
  if (layerField && has(`field.${layerField}`)) return `${t(`field.${layerField}`)}: `;
  const f = err.field;
  if (!f) return "";
  const plain = f.replace(/\.\d+\./g, ".");
  for (const k of [f, plain]) if (has(`req.${k}`)) return `${t(`req.${k}`)}: `;
  const last = f.split(".").pop();
  if (has(`field.${last}`)) return `${t(`field.${last}`)}: `;
  return getLang() === "ja" ? "" : `${f}: `;
}

/** err: {code, message, params, field, index} (an ApiError, an error body, a warning). */
export function errorText(err) {
  if (!err) return "";
  if (typeof err === "string") return err;
  const code = err.code || "";
  // The code itself, a pydantic type sent bare by the job system ("greater_than"), a family
  // ("cannot_pause" -> "cannot"), then the part before a dot.
  const candidates = [code, `value.${code}`, code.split("_")[0], code.split(".")[0]].map((c) => `errc.${c}`);
  const known = candidates.find(has) || null;
  if (!known) {
    if (getLang() === "ja" && err.message) return t("err.unknown", { detail: err.message, code: code || "?" });
    return err.message || String(err);
  }
  const p = err.params || {};
  const vars = {};
  for (const [k, v] of Object.entries(p)) vars[k] = fmt(v);
  if (typeof p.layer === "string" && has(`layer.${p.layer}`)) vars.layer = t(`layer.${p.layer}`);
  if (typeof p.dataset === "string" && has(`ds.${p.dataset}`)) vars.dataset = t(`ds.${p.dataset}`);
  if (typeof p.type === "string" && has(`layer.${p.type}`)) vars.type = t(`layer.${p.type}`);
  if (typeof p.name === "string" && has(`ds.${p.name}`)) vars.name = t(`ds.${p.name}`);
  if (typeof p.status === "string" && has(`status.${p.status}`)) vars.status = t(`status.${p.status}`);
  vars.got = p.input !== undefined ? t("err.got", { input: fmt(p.input) }) : "";
  vars.field = fieldLabel(err);
  const where = err.index != null ? t("err.where_layer", { index: err.index }) : "";
  return where + t(known, vars);
}
