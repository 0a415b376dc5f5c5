import os from "node:os";

/**
 * Start-up as a sequence of steps, stop as their teardowns in reverse. Each started resource is
 * registered for teardown the moment its step resolves; a stop aborts the step in flight (which
 * stops what it had started itself), waits for it to settle, then tears down what exists. No step
 * starts once stopping. SIGINT/SIGTERM stop with exit code 0; a second one (more than 1 s
 * later) forces the stop: Next.js and PostgreSQL are killed at once, the
 * watchdog removes what is left, and the exit code is 128 + the signal (130 for SIGINT, 143 for SIGTERM).
 *
 * Node builtins only: this module is imported, and its handlers installed, before anything heavy.
 */

export class Stopping extends Error {
  constructor() {
    super("stopping");
    this.name = "Stopping";
  }
}

export type Lifecycle = {
  readonly signal: AbortSignal;
  readonly stopping: boolean;
  /** Runs one start-up step; `teardown` is registered as soon as it resolves. Throws Stopping once stopping. */
  step<T>(start: (signal: AbortSignal) => Promise<T>, teardown?: (value: T) => Promise<unknown>): Promise<T>;
  /** Registers what a forced stop does at once (synchronous: kill, never wait). */
  onForce(kill: () => void): void;
  /** Stops everything, then exits with `code`. Idempotent. */
  stop(code: number): Promise<never>;
};

// A signal that arrives twice at once must not count as "force": `npm run dev` relays the SIGINT
// that a terminal's Ctrl-C also sends us directly (the whole foreground group gets it).
const DUPLICATE_WINDOW_MS = 1000;
// Past this, a stop is forced anyway.
const STOP_DEADLINE_MS = 60_000;

export function createLifecycle(log: (line: string) => void): Lifecycle {
  const controller = new AbortController();
  const teardowns: (() => Promise<unknown>)[] = [];
  const forceHooks: (() => void)[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let stopping: Promise<never> | undefined;
  let firstSignalAt = 0;

  const force = (reason: string, code: number): never => {
    log(`${reason}: killing Next.js and PostgreSQL now`);
    for (const kill of forceHooks.reverse()) {
      try {
        kill();
      } catch {
        // keep killing the rest
      }
    }
    process.exit(code);
  };

  const stop = (code: number): Promise<never> => {
    stopping ??= (async () => {
      controller.abort(new Stopping());
      setTimeout(() => force(`still stopping after ${STOP_DEADLINE_MS / 1000} s`, 1), STOP_DEADLINE_MS).unref();
      await Promise.all(inFlight);
      for (const teardown of teardowns.reverse()) {
        try {
          await teardown();
        } catch (error) {
          log(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      process.exit(code);
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) {
      firstSignalAt = Date.now();
      log(`${signal}: stopping (send it again to force)`);
      void stop(0);
    } else if (Date.now() - firstSignalAt > DUPLICATE_WINDOW_MS) {
      force(`second ${signal}`, 128 + (os.constants.signals[signal] ?? 15));
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  return {
    signal: controller.signal,
    get stopping() {
      return stopping !== undefined;
    },
    step<T>(start: (signal: AbortSignal) => Promise<T>, teardown?: (value: T) => Promise<unknown>): Promise<T> {
      if (controller.signal.aborted) return Promise.reject(new Stopping());
      const running = (async () => {
        const value = await start(controller.signal);
        if (teardown) teardowns.push(() => teardown(value)); // before anyone awaiting this step resumes
        return value;
      })();
      const settled = running.catch(() => {});
      inFlight.add(settled);
      void settled.then(() => inFlight.delete(settled));
      return running;
    },
    onForce(kill) {
      forceHooks.push(kill);
    },
    stop,
  };
}

/** Rejects with the signal's reason as soon as it is aborted; the promise's own outcome is then ignored. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
