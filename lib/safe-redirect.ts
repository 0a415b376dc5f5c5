/**
 * A same-origin path to go to after sign-in, or "/". Resolving against a placeholder origin catches
 * what a prefix check misses (`//evil.com`, `/\\evil.com`, `/\t/evil.com` all leave the origin).
 */
export function safeRedirectPath(value: string | string[] | undefined): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  if (!candidate || !candidate.startsWith("/")) return "/";
  const base = "http://same-origin.invalid";
  let url: URL;
  try {
    url = new URL(candidate, base);
  } catch {
    return "/";
  }
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : "/";
}
