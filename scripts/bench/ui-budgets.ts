import { startLlmServer, type LlmServer } from "../llm/server";
import { planReply } from "../llm/reply";
import { getFreePort } from "../free-port";
import { startBuiltApp } from "./app-server";
import { benchUserName, errorMessage, hasChromium, CHROMIUM_PATH, launchChromium, signedInContext } from "./ui-browser";
import { measureFirstLoadJs, type FirstLoadResult } from "./ui-first-load";
import { startPollingWatch, type PollingResult } from "./ui-polling";
import { openStreamPaintSession, streamPrompt, type StreamPaintResult } from "./ui-stream-paint";

/**
 * 5. Browser budgets, in headless Chromium against the built app: first-load JavaScript of /chat,
 * paint after the end of a streamed reply, and the token gauge's polling. The app is its own
 * `next start` (same database) whose LLM server streams at about `tokensPerSecond`, since the
 * bench's own LLM server streams without pauses and the pace cannot be chosen per request (the
 * [[think:MS]] marker only delays the first chunk). The pause between chunks is computed from the
 * planned reply, then corrected for the overhead measured on full-length replies (timers, relay and
 * rendering on a busy machine; at most `calibrationRounds`), by restarting the paced LLM server on
 * the same port. The polling watch (visible + hidden windows) runs while the others are measured.
 */

export type BrowserBudgets = {
  chromium: { path: string; version: string };
  appUrl: string;
  firstLoad: FirstLoadResult | null;
  streaming: StreamPaintResult | null;
  polling: PollingResult | null;
  /** A part that could not be measured, and why. */
  errors: { part: "firstLoad" | "streaming" | "polling"; message: string }[];
};

export type BrowserBudgetOptions = {
  root: string;
  /** The bench app's environment (database, session secret, ...); OPENROUTER_BASE_URL is replaced. */
  appEnv: Record<string, string>;
  log: (line: string) => void;
  /** Registers a teardown step (the bench's cleanup). */
  onCleanup: (name: string, run: () => Promise<unknown>) => void;
};

export const UI_BOUNDS = {
  replyTokens: 2000,
  tokensPerSecond: 200,
  streamRuns: 3,
  calibrationRounds: 2,
  /** Calibration stops once a reply came within this share of tokensPerSecond. */
  rateTolerance: 0.1,
  replyTimeoutMs: 40_000,
  pollVisibleMs: 65_000,
  pollHiddenMs: 35_000,
  firstLoadPath: "/chat",
};

/** Why the section cannot run here, or null. */
export function browserSkipReason(flags: { skipBrowser: boolean; hasBuild: boolean }): string | null {
  if (flags.skipBrowser) return "5. Browser budgets: --skip-browser.";
  if (!flags.hasBuild) return "5. Browser budgets: no build in .next; run `npm run build` first.";
  if (!hasChromium()) return `5. Browser budgets: no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH, or run scripts/ensure-browser.sh).`;
  return null;
}

export async function benchBrowserBudgets(options: BrowserBudgetOptions): Promise<BrowserBudgets> {
  const { log, onCleanup } = options;
  const prompt = streamPrompt(UI_BOUNDS.replyTokens);
  const plan = planReply({ seed: prompt, targetTokens: UI_BOUNDS.replyTokens });
  // The ideal pause: (chunks - 1) pauses spread the reply's tokens at the target rate.
  const idealGapMs = ((plan.completionTokens / UI_BOUNDS.tokensPerSecond) * 1000) / Math.max(1, plan.chunks.length - 1);
  const firstDelayMs = Math.max(1, Math.round(idealGapMs));
  let llm: LlmServer = await startLlmServer({ chunkDelayMs: firstDelayMs });
  onCleanup("close the paced LLM server", () => llm.close());
  const browser = await launchChromium();
  onCleanup("close Chromium", () => browser.close());
  // Registered last, so stopped first: on Ctrl-C the app gets its SIGTERM at once, before Chromium closes.
  const port = await getFreePort();
  log(`browser budgets: the built app on port ${port}, its LLM server pausing ${firstDelayMs} ms between chunks (${plan.chunks.length} chunks per ${plan.completionTokens}-token reply)`);
  const app = await startBuiltApp({
    root: options.root,
    port,
    env: { ...options.appEnv, OPENROUTER_BASE_URL: llm.url, APP_URL: `http://127.0.0.1:${port}`, PORT: String(port) },
  });
  onCleanup("stop the paced app", app.stop);

  const errors: BrowserBudgets["errors"] = [];
  const attempt = async <T>(part: BrowserBudgets["errors"][number]["part"], run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (error) {
      errors.push({ part, message: errorMessage(error) });
      log(`  ${part}: ${errorMessage(error)}`);
      return null;
    }
  };

  log(`  polling: one /chat tab, ${UI_BOUNDS.pollVisibleMs / 1000} s visible then ${UI_BOUNDS.pollHiddenMs / 1000} s hidden (the other two meanwhile)`);
  const watch = await attempt("polling", () => startPollingWatch(browser, app.url, { visibleMs: UI_BOUNDS.pollVisibleMs, hiddenMs: UI_BOUNDS.pollHiddenMs }));

  log(`  first-load JavaScript of ${UI_BOUNDS.firstLoadPath}`);
  const firstLoad = await attempt("firstLoad", async () => {
    const { context } = await signedInContext(browser, app.url, benchUserName("load"));
    const storageState = await context.storageState();
    await context.close();
    return measureFirstLoadJs(browser, app.url, storageState, UI_BOUNDS.firstLoadPath);
  });

  const streaming = await attempt("streaming", async (): Promise<StreamPaintResult> => {
    const session = await openStreamPaintSession(browser, app.url, UI_BOUNDS.replyTimeoutMs);
    try {
      log(`  streaming paint: a short warm-up reply, then up to ${UI_BOUNDS.calibrationRounds} of ${UI_BOUNDS.replyTokens} tokens to calibrate the pace`);
      const warmup = await session.run(streamPrompt(20));
      if (warmup.error) throw new Error(`the warm-up reply: ${warmup.error}`);
      let chunkDelayMs = firstDelayMs;
      const calibration: StreamPaintResult["calibration"] = [];
      for (let round = 0; round < UI_BOUNDS.calibrationRounds; round += 1) {
        const probe = await session.run(prompt);
        if (probe.error || !probe.streamMs || probe.tokensPerSecond === null) throw new Error(`a calibration reply: ${probe.error ?? "no deltas"}`);
        calibration.push({ chunkDelayMs, tokensPerSecond: probe.tokensPerSecond });
        log(`    ${chunkDelayMs} ms between chunks: ${Math.round(probe.tokensPerSecond)} tokens/s`);
        if (Math.abs(probe.tokensPerSecond / UI_BOUNDS.tokensPerSecond - 1) <= UI_BOUNDS.rateTolerance) break;
        const overheadMs = probe.streamMs / Math.max(1, plan.chunks.length - 1) - chunkDelayMs;
        const next = Math.max(1, Math.round(idealGapMs - overheadMs));
        if (next === chunkDelayMs) break;
        chunkDelayMs = next;
        const { port: llmPort } = llm;
        await llm.close();
        llm = await startLlmServer({ port: llmPort, chunkDelayMs });
      }
      log(`  streaming paint: ${UI_BOUNDS.streamRuns} measured replies, ${chunkDelayMs} ms between chunks`);
      const runs = [];
      for (let i = 0; i < UI_BOUNDS.streamRuns; i += 1) runs.push(await session.run(prompt));
      return {
        replyTokens: UI_BOUNDS.replyTokens,
        targetTokensPerSecond: UI_BOUNDS.tokensPerSecond,
        plannedChunks: plan.chunks.length,
        calibration,
        chunkDelayMs,
        runs,
      };
    } finally {
      await session.close();
    }
  });
  for (const run of streaming?.runs ?? []) if (run.error) errors.push({ part: "streaming", message: run.error });

  log("  polling: waiting for the end of its windows");
  const polling = watch ? await attempt("polling", () => watch.finish()) : null;

  return { chromium: { path: CHROMIUM_PATH, version: browser.version() }, appUrl: app.url, firstLoad, streaming, polling, errors };
}
