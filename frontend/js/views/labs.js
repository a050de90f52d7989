// The Labs tab: a card per lab from frontend/js/labs/index.js; #/labs/<id> mounts one.
import { h, clear } from "../dom.js";
import { t, getLang, onLangChange } from "../i18n.js";
import { showError } from "../toast.js";

let mounted = null; // {lab, handle, unsubs}
// Bumped on every render or leave: a render still awaiting the lab modules gives up when
// the user has moved on, instead of mounting a lab (and starting its job) out of sight.
let generation = 0;
let shown = null; // [root, labId] of the last render, to show it again after a bfcache restore

// Closing or reloading the tab stops the lab's job (unmount stops it with a keepalive
// request); the server also stops jobs that nobody watches, but this frees the slot at once.
window.addEventListener("pagehide", () => unmountLab());
window.addEventListener("pageshow", (ev) => { if (ev.persisted && shown) renderLabs(...shown); });

function unmountLab() {
  generation += 1;
  if (!mounted) return;
  for (const u of mounted.unsubs) u();
  try {
    mounted.handle?.unmount?.();
  } catch (e) {
    showError(e);
  }
  mounted = null;
}

async function loadLabs() {
  try {
    const mod = await import("../labs/index.js");
    return Array.isArray(mod.LABS) ? mod.LABS : [];
  } catch (e) {
    showError(t("labs.load_failed", { message: e.message }));
    return [];
  }
}

function text(obj) {
  if (!obj) return "";
  return typeof obj === "string" ? obj : obj[getLang()] || obj.en || obj.ja || "";
}

function card(lab) {
  const title = h("h3", {}, text(lab.title));
  const summary = h("p", { class: "muted" }, text(lab.summary));
  const chapterText = () => (/^\d/.test(String(lab.chapter ?? "")) ? t("labs.chapter", { n: lab.chapter }) : String(lab.chapter ?? ""));
  const chapter = h("span", { class: "chapter" }, chapterText());
  const el = h("a", { class: "lab-card", href: `#/labs/${encodeURIComponent(lab.id)}`, testid: `lab-card-${lab.id}` },
    chapter, title, summary);
  return { el, relabel: () => { chapter.textContent = chapterText(); title.textContent = text(lab.title); summary.textContent = text(lab.summary); } };
}

/** Render the labs list or one lab into root. Returns an unmount function. */
export async function renderLabs(root, labId) {
  unmountLab();
  shown = [root, labId];
  const mine = generation;
  clear(root);
  const labs = await loadLabs();
  if (mine !== generation) return;
  if (!labId) {
    const cards = labs.map(card);
    root.append(h("section", { class: "panel", testid: "labs-view" },
      h("h2", { i18n: "labs.title" }, t("labs.title")),
      h("p", { class: "muted", i18n: "labs.intro" }, t("labs.intro")),
      labs.length ? h("div", { class: "lab-grid", testid: "lab-list" }, cards.map((c) => c.el))
        : h("p", { class: "muted", i18n: "labs.none", testid: "labs-empty" }, t("labs.none"))));
    const off = onLangChange(() => cards.forEach((c) => c.relabel()));
    mounted = { lab: null, handle: null, unsubs: [off] };
    return;
  }
  const lab = labs.find((l) => String(l.id) === labId);
  const back = h("a", { href: "#/labs", class: "back", testid: "labs-back", i18n: "labs.back" }, t("labs.back"));
  if (!lab) {
    root.append(h("section", { class: "panel", testid: "labs-view" }, back, h("p", { class: "error-text" }, t("labs.unknown", { id: labId }))));
    return;
  }
  // The lab draws its own heading (title and chapter); the shell only adds the way back.
  const host = h("div", { class: "lab-host", testid: "lab-host", "data-lab": lab.id });
  root.append(h("section", { class: "panel", testid: "labs-view" }, back, host));
  const unsubs = [];
  const ctx = {
    get lang() { return getLang(); },
    t,
    onLangChange(fn) { const off = onLangChange(fn); unsubs.push(off); return off; },
  };
  mounted = { lab, handle: null, unsubs };
  try {
    mounted.handle = lab.mount(host, ctx);
  } catch (e) {
    showError(e);
  }
}

export function leaveLabs() {
  shown = null;
  unmountLab();
}
