// ⓘ buttons: a short explanation that names the book's section. Click, tap, Enter or Space
// opens it; Escape, a second press or a press elsewhere closes it. The bubble floats (absolute),
// so opening it never moves anything else on the page.
import { h } from "../dom.js";
import { t } from "../i18n.js";

let open = null;

function close() {
  if (!open) return;
  open.btn.setAttribute("aria-expanded", "false");
  open.bubble.hidden = true;
  open = null;
}

document.addEventListener("pointerdown", (ev) => {
  if (open && !open.wrap.contains(ev.target)) close();
});
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && open) {
    const btn = open.btn;
    close();
    btn.focus();
    ev.stopPropagation();
  }
}, true);

/** helpButton("help.train.lr") -> <span> with the button and its (hidden) bubble. */
export function helpButton(key, testid = null) {
  const bubble = h("span", { class: "help-bubble", role: "tooltip", hidden: true, i18n: key, testid: testid ? `${testid}-text` : null }, t(key));
  const btn = h("button", {
    type: "button", class: "help-btn", "aria-expanded": "false", "data-i18n-aria": "help.button",
    "aria-label": t("help.button"), testid,
  }, "ⓘ");
  const wrap = h("span", { class: "help" }, btn, bubble);
  btn.addEventListener("click", (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    const was = open?.btn === btn;
    close();
    if (was) return;
    bubble.hidden = false;
    btn.setAttribute("aria-expanded", "true");
    open = { btn, bubble, wrap };
    // Keep the bubble inside the window: open it leftwards near the right edge.
    const r = btn.getBoundingClientRect();
    bubble.classList.toggle("left", r.left > window.innerWidth - 300);
  });
  return wrap;
}
