// Boot: language, connection indicator, and the hash router (#/playground, #/labs, #/labs/<id>).
import { applyI18n, setLang, getLang, t } from "./i18n.js";
import { api } from "./api.js";
import { bus } from "./bus.js";
import { mountPlayground } from "./views/playground.js";
import { renderLabs, leaveLabs } from "./views/labs.js";
import { renderRoom, leaveRoom } from "./views/room.js";
import { ensureSignedIn } from "./views/signin.js";

const view = document.getElementById("view");
const playgroundRoot = document.createElement("div");
const labsRoot = document.createElement("div");
const roomRoot = document.createElement("div");
view.append(playgroundRoot, labsRoot, roomRoot);
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
  const tab = ["labs", "room"].includes(parts[0]) ? parts[0] : "playground";
  for (const a of document.querySelectorAll(".tab")) {
    const on = a.dataset.testid === `tab-${tab}`;
    a.classList.toggle("active", on);
    a.setAttribute("aria-selected", String(on));
  }
  playgroundRoot.hidden = tab !== "playground";
  labsRoot.hidden = tab !== "labs";
  roomRoot.hidden = tab !== "room";
  if (tab !== "room") leaveRoom();
  if (tab === "room") {
    await renderRoom(roomRoot, parts[1] === "run" && parts[2] ? Number(parts[2]) : null);
  } else if (tab === "labs") {
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
ensureSignedIn().then(route); // at once on localhost; after sign-in in a class
