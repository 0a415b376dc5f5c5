/** Teardown steps run in reverse order of registration, each once, each even if an earlier one fails. */
export function createCleanup(log: (line: string) => void) {
  const steps: { name: string; run: () => Promise<unknown> }[] = [];
  let running: Promise<void> | undefined;
  return {
    add(name: string, run: () => Promise<unknown>) {
      steps.push({ name, run });
    },
    run(): Promise<void> {
      running ??= (async () => {
        for (const step of steps.reverse()) {
          try {
            await step.run();
          } catch (error) {
            log(`cleanup: ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      })();
      return running;
    },
  };
}
