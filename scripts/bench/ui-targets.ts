import type { TargetCheck } from "./results";
import { formatKb } from "./ui-report";
import type { BrowserBudgets } from "./ui-budgets";
import { POLL_INTERVAL_MS, type PollingResult } from "./ui-polling";
import { formatMs } from "./table";

/** The browser budgets (section 5), checked against what this run measured. */

export const FIRST_LOAD_BUDGET_BYTES = 200_000;
export const PAINT_AFTER_DONE_BUDGET_MS = 100;
/** Two polls closer than this break "one request per 30 s" (1 s for the timing of Playwright's events). */
const MIN_POLL_GAP_MS = POLL_INTERVAL_MS - 1_000;
/** A gap longer than this means polling stopped (SWR starts the next interval when a fetch ends: slow answers stretch it). */
const MAX_POLL_GAP_MS = POLL_INTERVAL_MS + 5_000;

const LABELS = {
  firstLoad: `first-load JS of /chat <= ${FIRST_LOAD_BUDGET_BYTES / 1000} kB gzipped`,
  paint: `streaming: paint after done <= ${PAINT_AFTER_DONE_BUDGET_MS} ms (worst run)`,
  text: "streaming: reply on screen = text sent (whitespace aside)",
  polling: "tokens/current polls: 1 per 30 s per visible tab, 0 hidden",
};

export function checkBrowserTargets(browser: BrowserBudgets | null): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const firstLoad = browser?.firstLoad;
  checks.push(
    firstLoad && firstLoad.files.length > 0
      ? verdict(LABELS.firstLoad, formatKb(firstLoad.gzipBytes), firstLoad.gzipBytes <= FIRST_LOAD_BUDGET_BYTES)
      : skip(LABELS.firstLoad),
  );

  const runs = browser?.streaming?.runs ?? [];
  if (runs.length === 0) {
    checks.push(skip(LABELS.paint), skip(LABELS.text));
  } else {
    const paints = runs.map((run) => run.paintAfterDoneMs);
    const measured = paints.filter((ms): ms is number => ms !== null);
    const worst = measured.length > 0 ? Math.max(...measured) : Number.NaN;
    const allMeasured = measured.length === runs.length;
    checks.push(
      verdict(
        LABELS.paint,
        `${formatMs(worst)} ms${allMeasured ? "" : ` (${runs.length - measured.length} of ${runs.length} not measured)`}`,
        allMeasured && worst <= PAINT_AFTER_DONE_BUDGET_MS,
      ),
    );
    const equal = runs.filter((run) => run.textMatches).length;
    checks.push(verdict(LABELS.text, `${equal} of ${runs.length}`, equal === runs.length));
  }

  const polling = browser?.polling;
  checks.push(polling ? verdict(LABELS.polling, pollingMeasured(polling), pollingPasses(polling)) : skip(LABELS.polling));
  return checks;
}

/**
 * Visible: a poll about every interval from the first (the page's load) to the end of the window,
 * never two within one interval; hidden: none. Judged on the gaps, since each interval starts when
 * the previous fetch ends, so a count alone depends on how fast the server answered.
 */
export function pollingPasses(polling: PollingResult): boolean {
  const { visibleAt } = polling;
  if (visibleAt.length < 2 || polling.hiddenAt.length > 0) return false;
  const gaps = visibleAt.slice(1).map((at, i) => at - visibleAt[i]!);
  const tail = polling.visibleMs - visibleAt[visibleAt.length - 1]!;
  return gaps.every((gap) => gap >= MIN_POLL_GAP_MS && gap <= MAX_POLL_GAP_MS) && tail <= MAX_POLL_GAP_MS;
}

function pollingMeasured(polling: PollingResult): string {
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  return `${polling.visibleAt.length} in ${seconds(polling.visibleMs)}, ${polling.hiddenAt.length} in ${seconds(polling.hiddenMs)} hidden`;
}

function verdict(target: string, measured: string, pass: boolean): TargetCheck {
  return { target, measured, verdict: pass ? "PASS" : "FAIL" };
}

function skip(target: string): TargetCheck {
  return { target, measured: "not measured", verdict: "SKIP" };
}
