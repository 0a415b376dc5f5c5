import type { BrowserBudgets } from "./ui-budgets";
import type { FirstLoadResult } from "./ui-first-load";
import type { PollingResult } from "./ui-polling";
import type { StreamPaintResult } from "./ui-stream-paint";
import { formatRate, formatSignedMs, formatTable } from "./table";

/** Section 5 of the printed report: first-load JavaScript, streaming paint, polling. */

const LARGEST_FILES = 5;

/** kB = 1,000 bytes, as Next.js prints bundle sizes. */
export function formatKb(bytes: number): string {
  return `${(bytes / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} kB`;
}

export function browserSection(browser: BrowserBudgets | null): string[] {
  if (!browser) return [];
  const errors = browser.errors.map((e) => `  error (${e.part}): ${e.message}`);
  return [
    `5. Browser budgets: headless Chromium ${browser.chromium.version} against the built app (its own next start, ${browser.appUrl}) whose local LLM server paces the stream.`,
    ...firstLoadLines(browser.firstLoad),
    ...streamingLines(browser.streaming),
    ...pollingLines(browser.polling),
    ...errors,
    "",
  ];
}

function firstLoadLines(load: FirstLoadResult | null): string[] {
  if (!load) return [];
  const counted = load.files.filter((file) => !file.noModule);
  const rows = counted.slice(0, LARGEST_FILES).map((file) => [shortName(file.url), kb(file.bytes), kb(file.gzipBytes)]);
  rows.push([`all ${counted.length} files`, kb(load.bytes), kb(load.gzipBytes)]);
  const apart = [
    load.noModule.count > 0 ? `${load.noModule.count} <script nomodule> (Next.js polyfills, never fetched by this browser): ${formatKb(load.noModule.bytes)}, ${formatKb(load.noModule.gzipBytes)} gzipped` : "",
    `${load.inline.count} inline <script> (RSC payload): ${formatKb(load.inline.bytes)}, ${formatKb(load.inline.gzipBytes)} gzipped`,
    `the HTML: ${formatKb(load.html.bytes)}, ${formatKb(load.html.gzipBytes)} gzipped`,
  ].filter(Boolean);
  return [
    `  First-load JavaScript of ${load.path}: signed in, empty cache, until network idle; every <script src> of the HTML and every script fetched,`,
    `  each gzipped by node:zlib at level ${load.gzipLevel}, summed (kB = 1,000 bytes). The ${LARGEST_FILES} largest:`,
    formatTable([{ header: "file" }, { header: "raw kB", align: "right" }, { header: "gzip kB", align: "right" }], rows),
    `  Not counted: ${apart.join("; ")}.`,
    "",
  ];
}

function streamingLines(streaming: StreamPaintResult | null): string[] {
  if (!streaming) return [];
  const rows = streaming.runs.map((run, i) => [
    String(i + 1),
    run.state,
    run.outputTokens === null ? "-" : formatRate(run.outputTokens),
    run.tokensPerSecond === null ? "-" : formatRate(run.tokensPerSecond),
    run.textMatches ? "yes" : "NO",
    String(run.textChanges),
    signed(run.lastDeltaMs),
    signed(run.lastTextChangeMs),
    signed(run.paintAfterDoneMs),
    signed(run.paintAfterLastDeltaMs),
  ]);
  const mismatches = streaming.runs.flatMap((run, i) => (run.mismatch ? [`  run ${i + 1}: the text on screen differs ${run.mismatch}`] : []));
  const late = streaming.runs.flatMap((run, i) =>
    run.completePaintAfterDoneMs !== null && run.paintAfterDoneMs !== null && run.completePaintAfterDoneMs !== run.paintAfterDoneMs
      ? [`  run ${i + 1}: the whole text was painted at ${signed(run.completePaintAfterDoneMs)} ms; later changes moved only whitespace.`]
      : [],
  );
  const calibration = streaming.calibration.map((c) => `${c.chunkDelayMs} ms: ${c.tokensPerSecond === null ? "?" : formatRate(c.tokensPerSecond)} tokens/s`);
  return [
    `  Streaming paint: ${formatRate(streaming.replyTokens)}-token replies (target ${streaming.targetTokensPerSecond} tokens/s), each in a new conversation; the LLM server`,
    `  paused ${streaming.chunkDelayMs} ms between its ${streaming.plannedChunks} chunks (calibration replies before: ${calibration.join(", ") || "none"}).`,
    "  Times in ms from the arrival of `done` in the page (the server sends it after settling, so after the last delta); paint = the first animation",
    "  frame after the reply's text last changed (negative: before done). The last column measures the same frame from the last delta instead.",
    formatTable(
      [
        { header: "run", align: "right" },
        { header: "state" },
        { header: "tokens", align: "right" },
        { header: "tokens/s", align: "right" },
        { header: "text = sent" },
        { header: "text changes", align: "right" },
        { header: "last delta", align: "right" },
        { header: "last change", align: "right" },
        { header: "paint after done", align: "right" },
        { header: "paint after last delta", align: "right" },
      ],
      rows,
    ),
    ...mismatches,
    ...late,
    "",
  ];
}

function pollingLines(polling: PollingResult | null): string[] {
  if (!polling) return [];
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const rows = [
    ["visible", `${seconds(polling.visibleMs)} s`, String(polling.visibleAt.length), String(polling.expectedVisible), polling.visibleAt.map(seconds).join(", ")],
    ["hidden", `${seconds(polling.hiddenMs)} s`, String(polling.hiddenAt.length), "0", polling.hiddenAt.map(seconds).join(", ")],
  ];
  return [
    `  Polling of GET /api/tokens/current by one /chat tab, from its first request (${seconds(polling.firstRequestMs)} s after the load began). Hidden: ${polling.hideMethod}`,
    `  (document.visibilityState then read "${polling.stateWhenHidden}"); a second tab brought to the front ${polling.secondTabHidesFirst ? "does" : "does not"} hide the first in this headless Chromium.`,
    formatTable(
      [{ header: "tab" }, { header: "window", align: "right" }, { header: "requests", align: "right" }, { header: "expected", align: "right" }, { header: "at (s)" }],
      rows,
    ),
    "",
  ];
}

function kb(bytes: number): string {
  return (bytes / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function signed(ms: number | null): string {
  return ms === null ? "-" : formatSignedMs(ms);
}

function shortName(url: string): string {
  return new URL(url).pathname.replace(/^\/_next\/static\//, "");
}
