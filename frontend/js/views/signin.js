// Sign-in for a class (docs/classroom.md). On localhost /api/auth/me says mode "" and
// nothing is shown. The class link carries the code once (?code=…): it fills the form and
// is taken out of the address bar; the session then lives in an HttpOnly cookie.
import { h, field } from "../dom.js";
import { t, applyI18n } from "../i18n.js";
import { request, ApiError } from "../api.js";

export let me = { mode: "", name: null, role: "local" };

function badge() {
  const right = document.querySelector(".header-right");
  if (!right || !me.name) return;
  const out = h("button", { type: "button", class: "btn", testid: "sign-out", i18n: "auth.signout",
    onClick: async () => { await request("POST", "/api/auth/logout"); location.reload(); } }, t("auth.signout"));
  right.prepend(h("span", { class: "who", testid: "who" }, `${me.name} · `,
    h("span", { i18n: `auth.role.${me.role}` }, t(`auth.role.${me.role}`)), " ", out));
}

/** Resolves once the page may use the API: at once on localhost, after sign-in in a class. */
export async function ensureSignedIn() {
  me = await request("GET", "/api/auth/me");
  if (!me.mode || me.name) {
    badge();
    return me;
  }
  const params = new URLSearchParams(location.search);
  const code = params.get("code") || "";
  if (code) history.replaceState(null, "", location.pathname + location.hash);
  return new Promise((resolve) => {
    const name = h("input", { type: "text", maxlength: 32, required: true, testid: "signin-name", autocomplete: "username" });
    const secret = h("input", { type: me.mode === "code" ? "text" : "password", value: code, required: true, testid: "signin-secret" });
    const msg = h("p", { class: "signin-error", testid: "signin-error", role: "alert" });
    const form = h("form", { class: "panel signin", testid: "signin" },
      h("h2", { i18n: "auth.title" }, t("auth.title")),
      field("auth.name", name),
      field(me.mode === "code" ? "auth.code" : "auth.password", secret),
      h("button", { type: "submit", class: "btn primary", testid: "signin-submit", i18n: "auth.submit" }, t("auth.submit")),
      msg);
    const veil = h("div", { class: "signin-veil" }, form);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = { name: name.value, [me.mode === "code" ? "code" : "password"]: secret.value };
      try {
        me = await request("POST", "/api/auth/login", body);
        veil.remove();
        badge();
        resolve(me);
      } catch (e) {
        const wait = e instanceof ApiError && e.status === 429 ? (e.message.match(/(\d+) s/) || [0, 60])[1] : null;
        msg.textContent = wait ? t("auth.too_many", { s: wait }) : e.status === 401 ? t("auth.wrong") : e.message;
      }
    });
    document.body.append(veil);
    applyI18n(veil);
    (code ? name : secret).focus();
  });
}
