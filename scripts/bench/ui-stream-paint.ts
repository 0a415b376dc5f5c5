import type { Browser, Page } from "@playwright/test";
import { benchUserName, errorMessage, signedInContext, sleep } from "./ui-browser";

/**
 * Streaming paint: a long reply streamed into /chat, measured in the page. An init script wraps
 * window.fetch: the POST /api/chat response is teed, and the copy is read line by line, recording
 * (performance.now()) when the first and last `delta` lines and the `done` line arrive and the
 * deltas' concatenated text. A MutationObserver on the document records when the text of the last
 * assistant reply (its markdown block) last changed, and a requestAnimationFrame callback queued at
 * each change records the next frame after it (the callback runs in that frame, before its paint).
 * `paintAfterDoneMs` = frame after the last text change − arrival of `done` (negative: the full text
 * was on screen before `done` arrived). Each run is a new page (a new conversation) of one signed-in
 * context, one run at a time. Markers in the prompt are read by the local LLM server (see streamPrompt).
 */

export type StreamPaintRun = {
  /** The reply's data-state at the end (done, stopped, failed), or "timeout". */
  state: string;
  outputTokens: number | null;
  /** First to last delta line, as the page received them. */
  streamMs: number | null;
  tokensPerSecond: number | null;
  /** Whitespace-normalised innerText of the reply equals the deltas' concatenation. */
  textMatches: boolean;
  /** Where they first differ, when they do. */
  mismatch?: string;
  deltaChars: number;
  screenChars: number;
  /** Times in ms relative to the `done` line's arrival (negative: before it). */
  lastDeltaMs: number | null;
  lastTextChangeMs: number | null;
  /** The budget's figure: the frame after the reply's text last changed. */
  paintAfterDoneMs: number | null;
  /** The frame after the change that first showed the whole text (whitespace aside); differs when a later change only moved whitespace. */
  completePaintAfterDoneMs: number | null;
  /** The same frame as paintAfterDoneMs, from the last delta's arrival instead (the server sends `done` after settling). */
  paintAfterLastDeltaMs: number | null;
  /** How many times the reply's text changed on screen (≈ frames painted with new text). */
  textChanges: number;
  error?: string;
};

export type StreamPaintResult = {
  replyTokens: number;
  targetTokensPerSecond: number;
  /** Content chunks of the planned reply: the LLM server pauses chunkDelayMs before each but the first. */
  plannedChunks: number;
  /** Full-length replies before the measured ones, at the pause computed from the plan and then corrected for the measured overhead. */
  calibration: { chunkDelayMs: number; tokensPerSecond: number | null }[];
  chunkDelayMs: number;
  runs: StreamPaintRun[];
};

export type StreamPaintSession = { run: (prompt: string) => Promise<StreamPaintRun>; close: () => Promise<void> };

type Change = { at: number; frameAt: number | null; text: string };

type Probe = {
  sentAt: number | null;
  firstDeltaAt: number | null;
  lastDeltaAt: number | null;
  doneAt: number | null;
  outputTokens: number | null;
  deltas: string;
  changes: number;
  /** The last few changes of the reply's textContent, oldest first. */
  recent: Change[];
  screenText: string;
};

/** The prompt that asks the local LLM server for a reply of `tokens` tokens. */
export function streamPrompt(tokens: number): string {
  return `Tell me a long story for the browser benchmark. [[reply_tokens:${tokens}]]`;
}

/** Browser side, as a string: tsx compiles functions with helpers Playwright cannot serialise. */
const INIT_SCRIPT = String.raw`(() => {
  const probe = { sentAt: null, firstDeltaAt: null, lastDeltaAt: null, doneAt: null, outputTokens: null, deltas: "",
    changes: 0, recent: [], screenText: "", lastText: "" };
  window.__benchStream = probe;
  const replyBlock = () => {
    const replies = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
    const reply = replies[replies.length - 1];
    const block = reply ? reply.firstElementChild : null;
    return block && block.tagName === "DIV" ? block : null; // the markdown block, not "Thinking…"
  };
  window.__benchReplyBlock = replyBlock;
  let observing = false;
  const observe = () => {
    if (observing) return;
    observing = true;
    new MutationObserver(() => {
      const block = replyBlock();
      const text = block ? block.textContent || "" : "";
      if (text === probe.lastText) return;
      probe.lastText = text;
      probe.changes += 1;
      const change = { at: performance.now(), frameAt: null, text };
      probe.recent.push(change);
      if (probe.recent.length > 12) probe.recent.shift();
      requestAnimationFrame(() => { change.frameAt = performance.now(); });
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  };
  const onLine = (line, at) => {
    if (!line.trim()) return;
    let event;
    try { event = JSON.parse(line); } catch { return; }
    if (event.type === "delta") {
      probe.deltas += event.text;
      if (probe.firstDeltaAt === null) probe.firstDeltaAt = at;
      probe.lastDeltaAt = at;
    } else if (event.type === "done") {
      probe.doneAt = at;
      probe.outputTokens = event.usage ? event.usage.outputTokens : null;
    }
  };
  const read = async (body) => {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      const at = performance.now();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        onLine(buffer.slice(0, newline), at);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
      if (done) { onLine(buffer, at); return; }
    }
  };
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.pathname !== "/api/chat") return original(input, init);
    observe();
    probe.sentAt = performance.now();
    const response = await original(input, init);
    if (!response.body) return response;
    const [mine, theirs] = response.body.tee();
    void read(mine);
    return new Response(theirs, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
})();`;

const READ_PROBE = String.raw`(() => {
  const probe = window.__benchStream;
  const block = window.__benchReplyBlock();
  return { ...probe, lastText: undefined, recent: probe.recent.map((c) => ({ ...c })), screenText: block ? block.innerText : "" };
})()`;

const REPLY_SETTLED = String.raw`(() => {
  const replies = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
  const reply = replies[replies.length - 1];
  return reply && reply.dataset.state !== "streaming" ? reply.dataset.state : false;
})()`;

const SEND_ENABLED = String.raw`(() => { const send = document.querySelector('[data-testid="send"]'); return !!send && !send.disabled; })()`;

/** One signed-in context whose pages carry the probe; each run is a new page, i.e. a new conversation. */
export async function openStreamPaintSession(browser: Browser, origin: string, replyTimeoutMs: number): Promise<StreamPaintSession> {
  const { context, page } = await signedInContext(browser, origin, benchUserName("stream"));
  await page.close();
  await context.addInitScript({ content: INIT_SCRIPT });
  return { run: async (prompt) => streamOnce(await context.newPage(), prompt, replyTimeoutMs), close: () => context.close() };
}

async function streamOnce(page: Page, prompt: string, timeoutMs: number): Promise<StreamPaintRun> {
  try {
    await page.goto("/chat");
    const composer = page.getByTestId("composer");
    await composer.fill(prompt);
    await page.waitForFunction(SEND_ENABLED, null, { timeout: 15_000 });
    await composer.press("Enter");
    let state = "timeout";
    try {
      state = String(await (await page.waitForFunction(REPLY_SETTLED, null, { timeout: timeoutMs, polling: 100 })).jsonValue());
    } catch {
      // reported as a timeout below
    }
    await sleep(300); // a few frames more: a late change would still be recorded
    const probe = (await page.evaluate(READ_PROBE)) as Probe;
    return summarizeRun(state, probe);
  } catch (error) {
    return { ...emptyRun(), error: errorMessage(error) };
  } finally {
    await page.close();
  }
}

function summarizeRun(state: string, probe: Probe): StreamPaintRun {
  const sent = normalise(probe.deltas);
  const shown = normalise(probe.screenText);
  const streamMs = probe.firstDeltaAt !== null && probe.lastDeltaAt !== null ? probe.lastDeltaAt - probe.firstDeltaAt : null;
  const relative = (at: number | null | undefined) => (at != null && probe.doneAt !== null ? at - probe.doneAt : null);
  const last = probe.recent.at(-1);
  return {
    state,
    outputTokens: probe.outputTokens,
    streamMs,
    tokensPerSecond: streamMs && probe.outputTokens ? (probe.outputTokens / streamMs) * 1000 : null,
    textMatches: sent.length > 0 && sent === shown,
    ...(sent === shown ? {} : { mismatch: firstDifference(sent, shown) }),
    deltaChars: probe.deltas.length,
    screenChars: probe.screenText.length,
    lastDeltaMs: relative(probe.lastDeltaAt),
    lastTextChangeMs: relative(last?.at),
    paintAfterDoneMs: relative(last?.frameAt),
    completePaintAfterDoneMs: relative(firstComplete(probe.recent, probe.deltas)?.frameAt),
    paintAfterLastDeltaMs: last?.frameAt != null && probe.lastDeltaAt !== null ? last.frameAt - probe.lastDeltaAt : null,
    textChanges: probe.changes,
    ...(state === "done" ? {} : { error: `the reply ended ${state}` }),
  };
}

/** The change from which on the reply showed all of the deltas' text (whitespace aside), if the recent ones tell. */
function firstComplete(recent: Change[], deltas: string): Change | undefined {
  const whole = deltas.replace(/\s+/g, "");
  let first: Change | undefined;
  for (let i = recent.length - 1; i >= 0 && recent[i]!.text.replace(/\s+/g, "") === whole; i -= 1) first = recent[i];
  return first;
}

function emptyRun(): StreamPaintRun {
  return {
    state: "error",
    outputTokens: null,
    streamMs: null,
    tokensPerSecond: null,
    textMatches: false,
    deltaChars: 0,
    screenChars: 0,
    lastDeltaMs: null,
    lastTextChangeMs: null,
    paintAfterDoneMs: null,
    completePaintAfterDoneMs: null,
    paintAfterLastDeltaMs: null,
    textChanges: 0,
  };
}

function normalise(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function firstDifference(sent: string, shown: string): string {
  let i = 0;
  while (i < sent.length && i < shown.length && sent[i] === shown[i]) i += 1;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 20), i + 20));
  return `at character ${i} of ${sent.length} sent / ${shown.length} shown: sent ${around(sent)}, shown ${around(shown)}`;
}
