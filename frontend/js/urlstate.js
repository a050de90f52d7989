// The whole configuration (model spec + training settings) in the URL: #/playground?c=<base64url JSON>.

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(s) {
  const b64 = s.replaceAll("-", "+").replaceAll("_", "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

export function encodeConfig(cfg) {
  return toBase64Url(JSON.stringify(cfg));
}

/** Returns the config object, or throws an Error whose message names what was wrong. */
export function decodeConfig(c) {
  let obj;
  try {
    obj = JSON.parse(fromBase64Url(c));
  } catch {
    throw new Error(`c=${c.slice(0, 24)}…`);
  }
  if (!obj || typeof obj !== "object" || !obj.spec || !Array.isArray(obj.spec.layers)) throw new Error(`c=${c.slice(0, 24)}…`);
  return obj;
}

/** The c= parameter of a hash like #/playground?c=..., or null. */
export function configParam(hash = location.hash) {
  const q = hash.indexOf("?");
  if (q < 0) return null;
  return new URLSearchParams(hash.slice(q + 1)).get("c");
}

export function shareUrl(cfg) {
  return `${location.origin}${location.pathname}#/playground?c=${encodeConfig(cfg)}`;
}

/** Keep the address bar in step without adding history entries or firing hashchange. */
export function writeUrl(cfg) {
  history.replaceState(null, "", `#/playground?c=${encodeConfig(cfg)}`);
}
