// User-visible errors and notices. Server errors always end up here, in plain words.
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { errorText } from "./errors.js";

function container() {
  return document.getElementById("toasts");
}

/** Show a message; kind is "error" | "info". Errors stay until dismissed, infos fade. */
export function toast(message, kind = "info") {
  const box = container();
  if (!box) return;
  const close = h("button", { type: "button", class: "toast-close", "aria-label": t("common.close"), testid: "toast-close" }, "×");
  const el = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status", testid: kind === "error" ? "error-toast" : "info-toast" },
    h("span", { class: "toast-text", testid: "toast-text" }, message), close);
  close.addEventListener("click", () => el.remove());
  box.append(el);
  // Keep the stack short: old messages are less useful than the latest one.
  while (box.children.length > 4) box.firstChild.remove();
  if (kind !== "error") setTimeout(() => el.remove(), 4000);
}

export function showError(err) {
  toast(err && (err.code || err.message) ? errorText(err) : String(err), "error");
}
