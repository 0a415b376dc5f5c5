import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir, startLocalPostgres } from "../../scripts/db/local-postgres";
import { removeTree, sendSignal } from "../../scripts/db/processes.mjs";
import { childProcesses, eventually, listening, postgresUnder } from "./local-postgres-helpers";
import { getFreePort } from "@/scripts/free-port";

/**
 * No PostgreSQL outlives the process that started it: a holder process starts a cluster and is
 * SIGKILLed; its watchdog cleans up. If the watchdog dies too, the next start does.
 */

type Holder = { pid: number; dataDir: string; url: string; port: number; exit: Promise<unknown> };
const started: { holder?: Holder; dirs: string[] } = { dirs: [] };

async function startHolder(mode: "ephemeral" | "persistent", env: NodeJS.ProcessEnv = process.env, dataDir?: string): Promise<Holder> {
  const port = await getFreePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "tests/integration/local-postgres-holder.ts", mode, String(port), ...(dataDir ? [dataDir] : [])],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exit = new Promise((resolve) => child.once("exit", resolve));
  await eventually("the holder's cluster", () => output.includes("{") || child.exitCode !== null, 120_000, () => output);
  const line = output.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`the holder failed:\n${output}`);
  const holder = { pid: child.pid!, port, exit, ...(JSON.parse(line) as { dataDir: string; url: string }) };
  started.holder = holder;
  return holder;
}

afterEach(async () => {
  if (started.holder) sendSignal(started.holder.pid, "SIGKILL");
  started.holder = undefined;
  for (const dir of started.dirs.splice(0)) {
    await eventually(`no PostgreSQL in ${dir}`, () => postgresUnder(dir).length === 0, 30_000).catch(() => {});
    await removeTree(dir);
  }
}, 60_000);

describe("leftover clusters", () => {
  it("a process that started a cluster and is SIGKILLed leaves nothing behind", async () => {
    const tmp = makeTempDir("lp");
    started.dirs.push(tmp);
    const holder = await startHolder("ephemeral", { ...process.env, TMPDIR: tmp });
    const root = path.dirname(holder.dataDir);
    expect(root.startsWith(tmp)).toBe(true);
    expect(postgresUnder(root).length).toBeGreaterThan(0);

    sendSignal(holder.pid, "SIGKILL");
    await holder.exit;
    const took = await eventually("its PostgreSQL stopped and its folder removed", () => postgresUnder(root).length === 0 && !existsSync(root), 20_000);
    expect(await listening(holder.port)).toBe(false);
    console.log(`cleaned up ${took} ms after the SIGKILL`);
  }, 180_000);

  it("the CI check finds a running cluster, and passes once it is gone", async () => {
    const tmp = makeTempDir("lp");
    started.dirs.push(tmp);
    const holder = await startHolder("ephemeral", { ...process.env, TMPDIR: tmp });
    const check = () => spawnSync(process.execPath, ["scripts/ci/check-no-postgres.mjs", "--wait", "0", "--only", tmp], { encoding: "utf8" });
    const found = check();
    expect(found.status).toBe(1);
    expect(found.stderr).toContain(`pid ${holderPostmaster(tmp)} `);
    expect(found.stderr).toContain(holder.dataDir);

    sendSignal(holder.pid, "SIGKILL");
    const passed = spawnSync(process.execPath, ["scripts/ci/check-no-postgres.mjs", "--wait", "20", "--only", tmp], { encoding: "utf8" });
    expect(passed.status, passed.stdout + passed.stderr).toBe(0);
    expect(passed.stdout).toContain("no PostgreSQL mentioning");
  }, 180_000);

  it("when the watchdog dies with its owner, the next start stops the cluster and removes its folder", async () => {
    // A temp dir of our own, for the holder and for this process's next start: no other sweep sees it.
    const tmp = makeTempDir("lp");
    started.dirs.push(tmp);
    const holder = await startHolder("ephemeral", { ...process.env, TMPDIR: tmp });
    const root = path.dirname(holder.dataDir);
    killWithWatchdog(holder);
    await holder.exit;
    expect(postgresUnder(root).length).toBeGreaterThan(0); // orphaned, still running

    const lines: string[] = [];
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const db = await startLocalPostgres({ dataDir: path.join(makeTempDir("lp"), "pg"), port: await getFreePort(), ephemeral: true, fast: true, log: (line) => lines.push(line) });
      await db.stop();
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    expect(postgresUnder(root)).toEqual([]);
    expect(existsSync(root)).toBe(false);
    expect(lines.join("\n")).toContain(`removed ${root}, left behind by pid ${holder.pid}, which is gone`);
  }, 180_000);

  it("a persistent cluster left running by a process that is gone is stopped at the next start, data kept", async () => {
    const root = makeTempDir("lp");
    started.dirs.push(root);
    const dataDir = path.join(root, "pg");
    const holder = await startHolder("persistent", process.env, dataDir);
    const client = new pg.Client({ connectionString: holder.url });
    await client.connect();
    await client.query("create table kept (v int); insert into kept values (7)");
    await client.end();
    killWithWatchdog(holder);
    await holder.exit;
    expect(postgresUnder(dataDir).length).toBeGreaterThan(0);

    const lines: string[] = [];
    const db = await startLocalPostgres({ dataDir, port: await getFreePort(), fast: true, log: (line) => lines.push(line) });
    try {
      expect(lines.join("\n")).toMatch(/stopping PostgreSQL \(pid \d+\) left running on .* by a process that is gone/);
      const again = new pg.Client({ connectionString: db.url });
      await again.connect();
      expect((await again.query("select v from kept")).rows).toEqual([{ v: 7 }]);
      await again.end();
    } finally {
      await db.stop();
    }
  }, 180_000);
});

/** SIGKILL the holder and its watchdog at once: nothing is left to clean up after it. */
function killWithWatchdog(holder: Holder): void {
  const watchdogs = childProcesses(holder.pid, "watchdog-process.mjs");
  expect(watchdogs).toHaveLength(1);
  sendSignal(watchdogs[0]!, "SIGKILL");
  sendSignal(holder.pid, "SIGKILL");
}

function holderPostmaster(dir: string): number {
  const all = postgresUnder(dir);
  const pids = new Set(all.map((p) => p.pid));
  return all.find((p) => !pids.has(p.ppid))!.pid;
}
