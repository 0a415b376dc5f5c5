import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir } from "../../scripts/db/local-postgres";
import { removeTree, sendSignal } from "../../scripts/db/processes.mjs";
import { eventually, groupRunning, postgresUnder, tokenmeterDirsIn } from "./local-postgres-helpers";

/**
 * `npm test`-style runs, passing, failing or killed, leave no PostgreSQL behind: a nested vitest
 * with the real global setup, in a TMPDIR of its own so that what it leaves can be found.
 */

const runs: { pgid: number; tmp: string }[] = [];
afterEach(async () => {
  for (const { pgid, tmp } of runs.splice(0)) {
    sendSignal(-pgid, "SIGKILL");
    await eventually(`no PostgreSQL in ${tmp}`, () => postgresUnder(tmp).length === 0, 30_000).catch(() => {});
    await removeTree(tmp);
  }
}, 60_000);

function nestedRun(probe: "pass" | "fail" | "hang") {
  const tmp = makeTempDir("lp");
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG, TMPDIR: tmp, TOKENMETER_PROBE: probe, CI: "true" };
  const child = spawn(process.execPath, [path.resolve("node_modules/vitest/vitest.mjs"), "run", "--config", "tests/integration/local-postgres-runs.config.mts"], {
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: the runner and its workers, killed together
  });
  runs.push({ pgid: child.pid!, tmp });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, tmp, exit, output: () => output };
}

/** The run's own cluster is gone, and with it every folder it made. */
async function expectNothingLeft(tmp: string, ms: number) {
  await eventually(`no PostgreSQL under ${tmp}`, () => postgresUnder(tmp).length === 0, ms, () => JSON.stringify(postgresUnder(tmp)));
  await eventually(`no temp folder left in ${tmp}`, () => tokenmeterDirsIn(tmp).length === 0, ms, () => tokenmeterDirsIn(tmp).join(", "));
}

describe("test runs leave no PostgreSQL behind", () => {
  it.each([
    ["passes", "pass", 0],
    ["fails", "fail", 1],
  ] as const)("a run whose test %s", async (_outcome, probe, code) => {
    const run = nestedRun(probe);
    expect(await run.exit, run.output()).toBe(code);
    expect(existsSync(path.join(run.tmp, "probe-started")), run.output()).toBe(true);
    await expectNothingLeft(run.tmp, 5_000);
  }, 240_000);

  it("a run that is killed (SIGKILL to the runner and its workers)", async () => {
    const run = nestedRun("hang");
    await eventually("the probe test running", () => existsSync(path.join(run.tmp, "probe-started")), 180_000, run.output);
    expect(postgresUnder(run.tmp).length).toBeGreaterThan(0);
    sendSignal(-run.child.pid!, "SIGKILL");
    await run.exit;
    await eventually("the runner's process group gone", () => !groupRunning(run.child.pid!), 20_000);
    await expectNothingLeft(run.tmp, 20_000);
  }, 240_000);
});
