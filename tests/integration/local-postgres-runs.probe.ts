import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, inject, it } from "vitest";

/** Run by local-postgres-runs.test.ts in a nested vitest (local-postgres-runs.config.mts). */
it("probe", async () => {
  expect(inject("databaseUrl")).toMatch(/^postgresql:\/\//);
  writeFileSync(path.join(os.tmpdir(), "probe-started"), String(process.pid));
  const mode = process.env.TOKENMETER_PROBE;
  if (mode === "fail") expect("this run").toBe("failing on purpose");
  if (mode === "hang") await new Promise(() => {}); // until the run is killed
});
