import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Response } from "@playwright/test";

/**
 * First-load JavaScript of a page, gzipped: a fresh context (empty cache) with the signed-in
 * cookies loads the page until the network is idle; every `<script src>` the HTML references and
 * every script the page fetched are gzipped here (node:zlib, level 9) one by one and summed.
 * Not in the total, listed apart: `<script nomodule>` (Next.js's polyfills, which a browser that
 * runs modules never downloads) and inline `<script>` elements (the RSC payload).
 */

export const GZIP_LEVEL = 9;
const LOAD_TIMEOUT_MS = 30_000;

export type ScriptFile = { url: string; bytes: number; gzipBytes: number; inHtml: boolean; fetched: boolean; noModule: boolean };

export type FirstLoadResult = {
  path: string;
  gzipLevel: number;
  /** Largest gzipped first; `noModule` ones are not in the totals. */
  files: ScriptFile[];
  bytes: number;
  gzipBytes: number;
  /** <script nomodule> files (not in the totals). */
  noModule: { count: number; bytes: number; gzipBytes: number };
  /** Inline <script> elements of the HTML (not in the total). */
  inline: { count: number; bytes: number; gzipBytes: number };
  /** The HTML document itself, gzipped the same way (not in the total). */
  html: { bytes: number; gzipBytes: number };
};

export async function measureFirstLoadJs(
  browser: Browser,
  origin: string,
  storageState: Awaited<ReturnType<BrowserContext["storageState"]>>,
  pagePath: string,
): Promise<FirstLoadResult> {
  const context = await browser.newContext({ baseURL: origin, storageState });
  try {
    const page = await context.newPage();
    const fetched = new Map<string, Response>();
    page.on("response", (response) => {
      if (response.request().resourceType() === "script") fetched.set(response.url(), response);
    });
    const main = await page.goto(pagePath, { waitUntil: "networkidle", timeout: LOAD_TIMEOUT_MS });
    if (!main || new URL(page.url()).pathname !== pagePath) throw new Error(`GET ${pagePath} ended on ${page.url()} (not signed in?)`);
    const html = await main.text();
    const tags = scriptTags(html).filter((tag) => tag.src !== null);
    const referenced = new Set(tags.map((tag) => new URL(tag.src!, origin).href));
    const noModule = new Set(tags.filter((tag) => tag.noModule).map((tag) => new URL(tag.src!, origin).href));

    const files: ScriptFile[] = [];
    for (const url of new Set([...referenced, ...fetched.keys()])) {
      const body = await scriptBody(context, fetched.get(url), url);
      files.push({ url, bytes: body.length, gzipBytes: gzipSize(body), inHtml: referenced.has(url), fetched: fetched.has(url), noModule: noModule.has(url) && !fetched.has(url) });
    }
    files.sort((a, b) => b.gzipBytes - a.gzipBytes);
    const counted = files.filter((file) => !file.noModule);
    const skipped = files.filter((file) => file.noModule);
    const inline = scriptTags(html).filter((tag) => tag.src === null).map((tag) => tag.body);
    const inlineText = Buffer.from(inline.join(""), "utf8");
    const htmlBytes = Buffer.from(html, "utf8");
    return {
      path: pagePath,
      gzipLevel: GZIP_LEVEL,
      files,
      bytes: sum(counted, "bytes"),
      gzipBytes: sum(counted, "gzipBytes"),
      noModule: { count: skipped.length, bytes: sum(skipped, "bytes"), gzipBytes: sum(skipped, "gzipBytes") },
      inline: { count: inline.length, bytes: inlineText.length, gzipBytes: gzipSize(inlineText) },
      html: { bytes: htmlBytes.length, gzipBytes: gzipSize(htmlBytes) },
    };
  } finally {
    await context.close();
  }
}

/** The body the browser received; fetched again when it was only referenced or its body is gone. */
async function scriptBody(context: BrowserContext, response: Response | undefined, url: string): Promise<Buffer> {
  if (response) {
    try {
      return await response.body();
    } catch {
      // evicted from the inspector's buffer: fetch it again below
    }
  }
  const again = await context.request.get(url);
  if (!again.ok()) throw new Error(`GET ${url} answered ${again.status()}`);
  return await again.body();
}

function gzipSize(body: Buffer): number {
  return gzipSync(body, { level: GZIP_LEVEL }).length;
}

function sum(files: ScriptFile[], key: "bytes" | "gzipBytes"): number {
  return files.reduce((total, file) => total + file[key], 0);
}

type ScriptTag = { src: string | null; noModule: boolean; body: string };

/** The <script> elements of server-rendered HTML (Next.js writes attributes with double quotes). */
function scriptTags(html: string): ScriptTag[] {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map((match) => {
    const attributes = match[1] ?? "";
    const src = /\bsrc=(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes);
    return {
      src: src ? decodeEntities(src[1] ?? src[2] ?? src[3] ?? "") : null,
      noModule: /\bnomodule\b/i.test(attributes),
      body: match[2] ?? "",
    };
  });
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
}
