/**
 * A closed-loop load generator: `concurrency` workers each run `op` back to back until `maxOps`
 * operations have started or `maxMs` has passed, whichever comes first. Failed operations are
 * counted (and the first message kept); a run with too many failures stops early.
 */

export type LoadBounds = { concurrency: number; maxOps: number; maxMs: number };

export type LoadRun = { ops: number; errors: number; elapsedMs: number; firstError?: string };

const MAX_ERRORS = 50;

export async function runLoad(bounds: LoadBounds, op: (worker: number) => Promise<void>): Promise<LoadRun> {
  const startedAt = performance.now();
  const deadline = startedAt + bounds.maxMs;
  let started = 0;
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;

  const worker = async (index: number) => {
    while (started < bounds.maxOps && performance.now() < deadline && errors < MAX_ERRORS) {
      started += 1;
      try {
        await op(index);
        ops += 1;
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: bounds.concurrency }, (_, index) => worker(index)));
  return { ops, errors, elapsedMs: performance.now() - startedAt, ...(firstError ? { firstError } : {}) };
}
