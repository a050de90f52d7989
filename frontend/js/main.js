// Boot: language, connection indicator, and the hash router (#/playground, #/labs, #/labs/<id>).
import { applyI18n, setLang, getLang, t } from "./i18n.js";
import { api } from "./api.js";
import { bus } from "./bus.js";
import { mountPlayground } from "./views/playground.js";
import { renderLabs, leaveLabs } from "./views/labs.js";

const view = document.getElementById("view");
const playgroundRoot = document.createElement("div");
const labsRoot = document.createElement("div");
view.append(playgroundRoot, labsRoot);
let playground = null;

function langButtons() {
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === getLang()));
}
for (const b of document.querySelectorAll("[data-lang]")) {
  b.addEventListener("click", () => { setLang(b.dataset.lang); langButtons(); });
}

const conn = document.querySelector("[data-testid=connection-status]");
function setConn(state) {
  conn.dataset.state = state;
  const text = conn.querySelector(".conn-text");
  text.dataset.i18n = `conn.${state}`;
  text.textContent = t(`conn.${state}`);
}
async function poll() {
  try {
    await api.health();
    setConn("online");
  } catch {
    setConn("offline");
  }
}
bus.on("ws:state", (s) => { if (s === "closed") poll(); });

async function route() {
  const hash = location.hash || "#/playground";
  const path = hash.slice(1).split("?")[0];
  const parts = path.split("/").filter(Boolean);
  const tab = parts[0] === "labs" ? "labs" : "playground";
  for (const a of document.querySelectorAll(".tab")) {
    const on = a.dataset.testid === `tab-${tab}`;
    a.classList.toggle("active", on);
    a.setAttribute("aria-selected", String(on));
  }
  playgroundRoot.hidden = tab !== "playground";
  labsRoot.hidden = tab !== "labs";
  if (tab === "labs") {
    await renderLabs(labsRoot, parts[1] ? decodeURIComponent(parts[1]) : null);
  } else {
    leaveLabs();
    // Keep the promise: a second route() while /api/meta loads must not mount it twice.
    if (!playground) playground = mountPlayground(playgroundRoot);
    else (await playground).applyUrl();
    await playground;
  }
  applyI18n(document);
}

applyI18n(document);
langButtons();
poll();
setInterval(poll, 5000);
window.addEventListener("hashchange", route);
route();
