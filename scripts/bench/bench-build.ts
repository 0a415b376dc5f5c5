import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * The bench's own build of the app: the product's sources plus one bare dynamic route,
 * GET /api/bench-bare (constant JSON, no session, no database), which section 4 measures
 * GET /api/tokens/current against. The route must be in the same build as the product (same
 * Next.js server, same proxy), but never in the product's app/ tree in git, so:
 *
 * - the files the app is built from (BUILD_INPUTS) and started with (LAUNCHER_INPUTS) are copied
 *   into `.bench-build/` at the root (git-ignored, lint-ignored; tsc skips dot-folders), with
 *   BARE_ROUTE written at app/api/bench-bare/route.ts;
 * - `.bench-build/node_modules` is a symlink to the root's, so the copy resolves packages, and
 *   app/globals.css's `@source "../node_modules/..."`, exactly as the root does; without a
 *   lockfile of its own, Next.js takes the root (with its lockfile) as the workspace root, so
 *   Turbopack accepts the symlink;
 * - `next build` runs there, and the bench starts that build with the copied launcher
 *   (scripts/dev.ts --start, as the e2e tests start theirs).
 *
 * The build is kept and reused while a hash of its inputs (every file's path and content, the
 * bare route, the Next.js version) is unchanged: a clean build takes a few minutes here. The
 * launcher's files are copied afresh on every run and left out of the hash: editing the bench
 * does not rebuild the app.
 */

export const BARE_ROUTE_PATH = "/api/bench-bare";

const BARE_ROUTE = `// Written by scripts/bench/bench-build.ts into the bench's copy of the app only: never part of the product.
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ ok: true });
}
`;

/** What `next build` reads (tests, scripts, docs and tool configs are left out). */
const BUILD_INPUTS = [
  "app",
  "components",
  "hooks",
  "lib",
  "public",
  "instrumentation.ts",
  "proxy.ts",
  "middleware.ts",
  "next.config.ts",
  "postcss.config.mjs",
  "tsconfig.json",
  "package.json",
];
/** What the launcher (scripts/dev.ts --start) reads besides the build: itself, and the migrations it checks. */
const LAUNCHER_INPUTS = ["scripts", "supabase"];
const DIR = ".bench-build";
const HASH_FILE = ".inputs-hash";

export type BenchBuild = { dir: string; reused: boolean; buildMs: number };

export async function ensureBenchBuild(root: string, log: (line: string) => void): Promise<BenchBuild> {
  const dir = path.join(root, DIR);
  const files = inputFiles(root, BUILD_INPUTS);
  const hash = hashInputs(root, files);
  const hashFile = path.join(dir, HASH_FILE);
  const copyLauncher = () => {
    for (const entry of LAUNCHER_INPUTS) rmSync(path.join(dir, entry), { recursive: true, force: true });
    for (const file of inputFiles(root, LAUNCHER_INPUTS)) cpSync(path.join(root, file), path.join(dir, file));
  };
  if (existsSync(hashFile) && readFileSync(hashFile, "utf8") === hash && existsSync(path.join(dir, ".next", "BUILD_ID"))) {
    copyLauncher();
    return { dir, reused: true, buildMs: 0 };
  }

  log(`building the app with ${BARE_ROUTE_PATH} in ${DIR}/ (sources changed or no build yet; a few minutes)`);
  const startedAt = performance.now();
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) {
    if (entry !== ".next" && entry !== "node_modules") rmSync(path.join(dir, entry), { recursive: true, force: true }); // .next/cache speeds the rebuild
  }
  for (const file of files) cpSync(path.join(root, file), path.join(dir, file));
  copyLauncher(); // next build type-checks these too, as `npm run build` does
  const route = path.join(dir, "app", BARE_ROUTE_PATH, "route.ts");
  mkdirSync(path.dirname(route), { recursive: true });
  writeFileSync(route, BARE_ROUTE);
  if (!existsSync(path.join(dir, "node_modules"))) symlinkSync(path.join("..", "node_modules"), path.join(dir, "node_modules"), "dir");

  await runNextBuild(root, dir);
  writeFileSync(hashFile, hash);
  return { dir, reused: false, buildMs: performance.now() - startedAt };
}

/** Every file under the given entries of root, relative to root, sorted. */
function inputFiles(root: string, entries: string[]): string[] {
  return entries.flatMap((entry) => {
    const full = path.join(root, entry);
    if (!existsSync(full)) return [];
    if (statSync(full).isFile()) return [entry];
    return readdirSync(full, { recursive: true, encoding: "utf8" })
      .map((file) => path.join(entry, file))
      .filter((file) => statSync(path.join(root, file)).isFile());
  }).sort();
}

function hashInputs(root: string, files: string[]): string {
  const hash = createHash("sha256");
  const nextPackage = createRequire(path.join(root, "package.json")).resolve("next/package.json");
  hash.update(`next ${JSON.parse(readFileSync(nextPackage, "utf8")).version}\0${BARE_ROUTE}\0`);
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update("\0");
  return hash.digest("hex");
}

function runNextBuild(root: string, dir: string): Promise<void> {
  const nextBin = createRequire(path.join(root, "package.json")).resolve("next/dist/bin/next");
  return new Promise((resolve, reject) => {
    // Its own process group, ended with this process (Ctrl-C, a signal's cleanup, a crash): no build outlives the bench.
    const child = spawn(process.execPath, [nextBin, "build"], {
      cwd: dir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    process.once("exit", killGroup);
    const tail: string[] = [];
    const remember = (data: Buffer) => {
      tail.push(...data.toString("utf8").split("\n").filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 30));
    };
    child.stdout!.on("data", remember);
    child.stderr!.on("data", remember);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      process.off("exit", killGroup);
      if (code === 0) resolve();
      else reject(new Error(`next build in ${DIR}/ failed (${signal ?? `code ${code}`}):\n    ${tail.join("\n    ")}`));
    });
  });
}
