import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir } from "../../scripts/db/local-postgres";
import { removeTree, sendSignal } from "../../scripts/db/processes.mjs";
import { childProcesses, eventually, groupRunning, listening, postgresUnder, tokenmeterDirsIn } from "./local-postgres-helpers";
import { getFreePort } from "@/scripts/free-port";

/**
 * `npm run dev`'s launcher (scripts/dev.ts), run the way package.json runs it: one node process,
 * no tsx CLI in front. All in one file, one test at a time: `next dev` allows one server per project.
 * Each run gets its own TMPDIR, so whatever it leaves behind can be found.
 */
const LAUNCHER = ["--conditions=react-server", "--import", "tsx", "scripts/dev.ts"];
const READY = /^Tokenmeter is ready at (http:\/\/\S+)/m;

/** Runs the launcher with the given environment; it must fail before starting anything. */
function runLauncher(env: Record<string, string>) {
  return spawnSync(process.execPath, LAUNCHER, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("start-up configuration errors", () => {
  it.each([
    [{ LOCAL_DB_PORT: "not-a-port" }, /^Invalid configuration: LOCAL_DB_PORT: /],
    [{ DATABASE_URL: "mysql://localhost/db" }, /^Invalid configuration: DATABASE_URL must be a postgres/],
    [{ OPENROUTER_BASE_URL: "not a url" }, /^Invalid configuration: OPENROUTER_BASE_URL: /],
  ])("%o stops the launcher with one line naming the variable, no stack trace", (env, line) => {
    const result = runLauncher(env);
    expect(result.status).toBe(1);
    const errorLines = result.stderr.trim().split("\n");
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(line);
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});

type Exit = { code: number | null; signal: NodeJS.Signals | null };
type Launch = {
  child: ChildProcess;
  /** The launcher's TMPDIR: its tokenmeter-db-* folder is made in here. */
  tmp: string;
  ports: { db: number; llm: number; app: number };
  output: () => string;
  waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>;
  exit: Promise<Exit>;
  running: () => boolean;
};

const launches: { launch: Launch; nextPgid?: number; group?: boolean }[] = [];

async function launch(via: "node" | "npm" = "node"): Promise<Launch> {
  const tmp = makeTempDir("lt");
  const ports = { db: await getFreePort(), llm: await getFreePort(), app: await getFreePort() };
  const env: Record<string, string | undefined> = {
    ...process.env,
    TMPDIR: tmp,
    LOCAL_DB_PORT: String(ports.db),
    LOCAL_LLM_PORT: String(ports.llm),
    DATABASE_URL: "",
    OPENROUTER_API_KEY: "",
    OPENROUTER_BASE_URL: "",
  };
  delete env.NODE_ENV; // as a developer's shell has it
  const args = ["--ephemeral", "--port", String(ports.app)];
  const child =
    via === "npm"
      ? spawn("npm", ["run", "dev", "--", ...args], { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true }) // its own group, like a terminal's job
      : spawn(process.execPath, [...LAUNCHER, ...args], { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  let exited: Exit | undefined;
  const exit = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  const run: Launch = {
    child,
    tmp,
    ports,
    output: () => output,
    exit,
    running: () => exited === undefined,
    waitFor: async (pattern, ms = 150_000) => {
      await eventually(`${pattern} in the launcher's output`, () => pattern.test(output) || exited !== undefined, ms, () => output);
      const match = output.match(pattern);
      if (!match) throw new Error(`the launcher exited (${JSON.stringify(exited)}) before printing ${pattern}:\n${output}`);
      return match;
    },
  };
  launches.push({ launch: run, group: via === "npm" });
  return run;
}

/** Next.js's pid (the leader of its own process group), a child of the launcher. */
async function nextPgid(run: Launch, launcherPid = run.child.pid!): Promise<number> {
  let pid: number | undefined;
  await eventually("Next.js's process", () => (pid = childProcesses(launcherPid, "next/dist/bin/next")[0]) !== undefined, 30_000);
  const entry = launches.find((l) => l.launch === run);
  if (entry) entry.nextPgid = pid;
  return pid!;
}

/** No port open, no PostgreSQL, no temp folder, no Next.js left by this run. */
async function expectNothingLeft(run: Launch, options: { nextPgid?: number; ms?: number } = {}) {
  const ms = options.ms ?? 5_000;
  for (const [name, port] of Object.entries(run.ports)) {
    await eventually(`${name} port ${port} closed`, async () => !(await listening(port)), ms);
  }
  await eventually(`no PostgreSQL under ${run.tmp}`, () => postgresUnder(run.tmp).length === 0, ms, () => JSON.stringify(postgresUnder(run.tmp)));
  await eventually(`no temp folder left in ${run.tmp}`, () => tokenmeterDirsIn(run.tmp).length === 0, ms, () => tokenmeterDirsIn(run.tmp).join(", "));
  if (options.nextPgid) await eventually(`Next.js (group ${options.nextPgid}) gone`, () => !groupRunning(options.nextPgid!), ms);
}

afterEach(async () => {
  // Whatever a failed test left running: kill it, let the watchdog clean up, wait for that.
  for (const { launch: run, nextPgid: pgid, group } of launches.splice(0)) {
    if (run.running()) sendSignal(group ? -run.child.pid! : run.child.pid!, "SIGKILL");
    if (pgid) {
      sendSignal(-pgid, "SIGCONT");
      sendSignal(-pgid, "SIGKILL");
    }
    await run.exit;
    await eventually(`cleanup after the test in ${run.tmp}`, () => postgresUnder(run.tmp).length === 0 && (!pgid || !groupRunning(pgid)), 30_000).catch(() => {});
    await removeTree(run.tmp);
  }
}, 60_000);

describe("npm run dev's launcher", () => {
  it("starts the database, the local LLM server and Next, and SIGTERM stops all of it cleanly", async () => {
    const run = await launch();
    const [, url] = await run.waitFor(READY);
    expect(url).toBe(`http://localhost:${run.ports.app}`);
    // The first URL printed is the app's; the database and the LLM server are named by port.
    expect(run.output().match(/https?:\/\/[^\s)]+/)?.[0]).toBe(`http://localhost:${run.ports.app}`);
    expect(run.output()).toContain(`PostgreSQL on port ${run.ports.db}`);
    expect(run.output()).toContain(`local LLM server on port ${run.ports.llm}`);
    const pgid = await nextPgid(run);

    const health = await fetch(`http://127.0.0.1:${run.ports.app}/api/health`);
    expect(await health.json()).toMatchObject({ status: "ok", database: "ok", llm: "ok" });
    run.child.kill("SIGTERM");
    expect(await run.exit).toEqual({ code: 0, signal: null });
    await expectNothingLeft(run, { nextPgid: pgid });
  }, 240_000);

  it.each([
    ["as soon as it prints its first line", /\[tokenmeter\] starting/],
    ["while PostgreSQL is being created", /initialising a new PostgreSQL cluster/],
    ["while the migrations run", /PostgreSQL is up on port/],
    ["while Next.js starts, before it is ready", /starting Next\.js/],
  ])("SIGTERM %s stops everything and exits 0", async (_phase, marker) => {
    const run = await launch();
    await run.waitFor(marker);
    run.child.kill("SIGTERM");
    expect(await run.exit, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).not.toMatch(READY);
    await expectNothingLeft(run);
    expect(run.output()).not.toMatch(/could not start|\bat .+:\d+:\d+/);
  }, 180_000);

  it("a second signal forces the stop: Next.js and PostgreSQL are killed, exit code 143", async () => {
    const run = await launch();
    await run.waitFor(READY);
    const pgid = await nextPgid(run);
    sendSignal(-pgid, "SIGSTOP"); // a Next.js that does not stop by itself
    run.child.kill("SIGTERM");
    await run.waitFor(/SIGTERM: stopping/);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // past the 1 s window that absorbs a duplicate signal
    expect(run.running()).toBe(true); // still waiting for Next.js
    run.child.kill("SIGTERM");
    expect(await run.exit).toEqual({ code: 143, signal: null });
    expect(run.output()).toMatch(/second SIGTERM: killing Next\.js and PostgreSQL now/);
    await expectNothingLeft(run, { nextPgid: pgid, ms: 20_000 });
  }, 240_000);

  it("kill -9 of the launcher leaves no PostgreSQL, no Next.js and no temp folder behind", async () => {
    const run = await launch();
    await run.waitFor(READY);
    const pgid = await nextPgid(run);
    expect(postgresUnder(run.tmp).length).toBeGreaterThan(0);
    run.child.kill("SIGKILL");
    await run.exit;
    await expectNothingLeft(run, { nextPgid: pgid, ms: 20_000 });
  }, 240_000);

  it.each([
    ["Ctrl-C (SIGINT to its process group, as a terminal sends it)", "SIGINT", true],
    ["SIGTERM to npm alone (a process manager)", "SIGTERM", false],
  ] as const)("`npm run dev` and %s: everything stops and npm exits 0", async (_how, signal, toGroup) => {
    const run = await launch("npm");
    await run.waitFor(READY);
    const launcherPid = await findLauncherUnder(run.child.pid!);
    const pgid = await nextPgid(run, launcherPid);
    sendSignal(toGroup ? -run.child.pid! : run.child.pid!, signal);
    expect(await run.exit, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).not.toMatch(/killing Next\.js and PostgreSQL now/); // npm's relayed copy did not force it
    await expectNothingLeft(run, { nextPgid: pgid });
  }, 240_000);
});

/** npm runs the script with `exec`, so the launcher is npm's own child. */
async function findLauncherUnder(npmPid: number): Promise<number> {
  let launcher: number | undefined;
  await eventually("the launcher under npm", () => (launcher = childProcesses(npmPid, "scripts/dev.ts")[0]) !== undefined, 30_000);
  return launcher!;
}
