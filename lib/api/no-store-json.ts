/** Below this many bytes an answer is not worth compressing (the threshold Next.js' own compression uses). */
const COMPRESS_MIN_BYTES = 1024;

/**
 * A JSON answer that no cache keeps. Next.js gzips every route answer (it drops a Content-Length, so
 * its size threshold never applies), and for the API's small answers (a token status is about 400
 * bytes, polled by every open tab) gzip costs more CPU than the bytes it saves: an answer under 1 kB
 * says `no-transform`, which Next.js' compression (and any proxy) honours. Larger ones (a
 * conversation, a usage page) are still compressed.
 */
export function noStoreJson(body: unknown, init: ResponseInit = {}): Response {
  const text = JSON.stringify(body);
  const headers = new Headers(init.headers);
  headers.set("Cache-Control", Buffer.byteLength(text) < COMPRESS_MIN_BYTES ? "no-store, no-transform" : "no-store");
  headers.set("Content-Type", "application/json");
  return new Response(text, { ...init, headers });
}
