// Japanese / English text. Elements carry data-i18n="key" (text), data-i18n-title, data-i18n-aria
// or data-i18n-placeholder, so switching the language re-labels the whole page live.
import { STRINGS as UI } from "./strings.js";
import { ERROR_STRINGS } from "./strings_errors.js";
import { HELP_STRINGS } from "./strings_help.js";

const STRINGS = { ...UI, ...ERROR_STRINGS, ...HELP_STRINGS };

const STORAGE_KEY = "nnpg.lang";
const listeners = new Set();

function initialLang() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === "ja" || saved === "en") return saved;
  return (navigator.language || "en").toLowerCase().startsWith("ja") ? "ja" : "en";
}

let lang = initialLang();

export function getLang() {
  return lang;
}

/** Translate a key; `{name}` placeholders are filled from vars. Unknown keys show the key itself. */
export function t(key, vars = {}) {
  const entry = STRINGS[key];
  return fill(entry ? entry[lang === "ja" ? 1 : 0] : key, vars);
}

function fill(s, vars) {
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** Text written beside its code as a (ja, en) pair, as the labs do: the current language's. */
export function pick(ja, en) {
  return lang === "ja" ? ja : en;
}

/** Set el's text to a key's words with vars filled in, in both languages, so that
 * applyI18n relabels it on a language change (for texts built from live numbers). */
export function setText(el, key, vars = {}) {
  const [en, ja] = STRINGS[key] ?? [key, key];
  setBoth(el, fill(ja, vars), fill(en, vars));
}

/** Give el both languages' words (data-ja / data-en, which applyI18n relabels) and show
 * the current one. */
export function setBoth(el, ja, en) {
  el.dataset.ja = ja;
  el.dataset.en = en;
  el.textContent = pick(ja, en);
}

/** True when a key exists, so callers can fall back to raw names (e.g. server-side names). */
export function has(key) {
  return key in STRINGS;
}

export function setLang(next) {
  if (next !== "ja" && next !== "en") throw new Error(`unknown language '${next}'`);
  lang = next;
  localStorage.setItem(STORAGE_KEY, next);
  applyI18n(document);
  for (const fn of listeners) fn(lang);
}

/** Subscribe to language changes; returns an unsubscribe function. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function applyI18n(root) {
  document.documentElement.lang = lang;
  document.title = t("app.title");
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-ja]")) el.textContent = pick(el.dataset.ja, el.dataset.en);
}
