/**
 * Cross-site request refusal for state-changing requests (POST, PUT, PATCH, DELETE), decided from
 * what the browser says about where the request comes from:
 *
 * 1. `Origin` (every current browser sends it on a cross-origin write, and on same-origin fetch
 *    writes): allowed only for the app's own origin (APP_URL) or the request's own host.
 *    `Origin: null` (sandboxed frames, privacy redirects) says nothing and falls through.
 * 2. Else `Sec-Fetch-Site`: `same-origin` (or `none`, a request the user made directly) is allowed;
 *    `same-site` and `cross-site` are refused.
 * 3. Else `Referer`: its origin must be one of ours, as in 1.
 * 4. Else nothing says where it came from: a non-browser client (curl, a script). Allowed only
 *    when it carries no session cookie; a cookie-authenticated write must say it is same-origin.
 *
 * Pure, so it is unit-tested without a server; lib/api/handler.ts applies it to every route.
 */
export type OriginCheckInput = {
  method: string;
  /** The request's own URL (its host is the host the client addressed). */
  url: string;
  headers: Headers;
  /** The app's public URL (APP_URL). */
  appUrl: string;
  /** Whether the request carries a session cookie. */
  hasSessionCookie: boolean;
};

export type OriginVerdict = { allowed: true } | { allowed: false; reason: string };

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function checkSameOrigin({ method, url, headers, appUrl, hasSessionCookie }: OriginCheckInput): OriginVerdict {
  if (!STATE_CHANGING.has(method.toUpperCase())) return { allowed: true };
  const ours = (value: string) => isOwnOrigin(value, appUrl, headers.get("host") ?? new URL(url).host);

  const origin = headers.get("origin");
  if (origin && origin !== "null") return ours(origin) ? { allowed: true } : { allowed: false, reason: `Origin ${JSON.stringify(origin.slice(0, 100))}` };

  const site = headers.get("sec-fetch-site");
  if (site) return site === "same-origin" || site === "none" ? { allowed: true } : { allowed: false, reason: `Sec-Fetch-Site ${site}` };

  const referer = headers.get("referer");
  if (referer) return ours(referer) ? { allowed: true } : { allowed: false, reason: "Referer from another site" };

  if (origin === "null") return { allowed: false, reason: "Origin null" };
  return hasSessionCookie ? { allowed: false, reason: "a session cookie without Origin, Sec-Fetch-Site or Referer" } : { allowed: true };
}

/** `value` (an Origin or a Referer URL) is APP_URL's origin, or has the host the request was sent to. */
function isOwnOrigin(value: string, appUrl: string, requestHost: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  return url.origin === new URL(appUrl).origin || url.host === requestHost.toLowerCase();
}
