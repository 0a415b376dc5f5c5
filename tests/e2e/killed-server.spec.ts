import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { E2E_APP_PORT, E2E_DATABASE_URL, E2E_LLM_PORT } from "./e2e-env";
import { getFreePort } from "../../scripts/free-port";
import { countTextTokens } from "../../lib/metering/tokenizer";

/**
 * A server killed with SIGKILL mid-stream loses at most a few seconds of usage and blocks nobody for
 * long: a second instance of the built app (its own `next start`, the run's database and LLM server)
 * streams a reply, its hold is checkpointed, then the whole instance is SIGKILLed. The run's main
 * server, like every instance, sweeps silent holds: within about 45 s the hold is settled as
 * `aborted`, charging the prompt and what was streamed before the checkpoint, and nothing stays held.
 */
const root = process.cwd(); // Playwright runs from the project's root
const SESSION_SECRET = "e2e-session-secret-0123456789abcdef0123456789"; // the run's (playwright.config.ts)

async function startSecondInstance(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/dev.ts", "--start", "--port", String(port)], {
    cwd: root,
    detached: true, // its own process group: killed as one, as a machine going away
    stdio: "ignore",
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: E2E_DATABASE_URL,
      SUPABASE_URL: "",
      OPENROUTER_API_KEY: "",
      OPENROUTER_BASE_URL: `http://127.0.0.1:${E2E_LLM_PORT}/v1`,
      APP_URL: `http://127.0.0.1:${port}`,
      AUTH_MODE: "dev",
      SESSION_SECRET,
      RATE_LIMIT_PER_MINUTE: "600",
      NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: "",
      CLERK_SECRET_KEY: "",
      CLERK_JWT_KEY: "",
    },
  });
  await expect
    .poll(async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.status ?? 0, { timeout: 60_000, intervals: [500] })
    .toBe(200);
  return child;
}

test("SIGKILL of a server mid-stream: another instance's sweeper settles the hold at its last checkpoint, within a minute", async ({ db }) => {
  test.setTimeout(180_000);
  const port = await getFreePort();
  const child = await startSecondInstance(port);
  let killed = false;
  try {
    const origin = `http://127.0.0.1:${port}`;
    const signIn = await fetch(`${origin}/api/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ name: `Killed ${Date.now() % 1_000_000}` }),
    });
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const userId = ((await signIn.json()) as { user: { id: string } }).user.id;

    // 40 chunks, then the model goes quiet (as a long answer being thought out would): the reply is mid-stream.
    const response = await fetch(`${origin}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", origin, cookie },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Tell me more [[fault:stall_after:40]] [[reply_tokens:400]]" }] }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    let buffer = "";
    const readFor = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), until - Date.now()))]);
        if (!chunk || chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        const lines = buffer.split("\n");
        buffer = lines.pop()!;
        for (const line of lines.filter(Boolean)) {
          const event = JSON.parse(line) as { type: string; text?: string };
          if (event.type === "delta") received += event.text!;
        }
      }
    };
    // Past the first checkpoint (2 s after the stream started), with everything the model sent so far.
    await readFor(3_500);
    expect(received.length).toBeGreaterThan(0);
    const { rows: holds } = await db.pool.query("select output_tokens::int, checkpoint_at from public.reservations where user_id = $1", [userId]);
    expect(holds).toHaveLength(1);
    expect(holds[0].checkpoint_at).not.toBeNull();
    expect(holds[0].output_tokens).toBe(countTextTokens(received));

    killEverything(child.pid!);
    killed = true;
    const killedAt = Date.now();

    // The run's main server (port E2E_APP_PORT) sweeps: 30 s of silence, then its next sweep (every ~10 s).
    await expect.poll(async () => (await db.ledger(userId)).length, { timeout: 90_000, intervals: [1_000] }).toBe(1);
    const seconds = (Date.now() - killedAt) / 1000;
    const [row] = await db.ledger(userId);
    expect(row!.outcome).toBe("aborted");
    expect(row!.output_tokens).toBe(countTextTokens(received));
    expect(row!.input_tokens).toBeGreaterThan(0);
    const { rows: left } = await db.pool.query("select count(*)::int as n from public.reservations where user_id = $1", [userId]);
    expect(left[0].n).toBe(0);
    console.log(`killed mid-stream after ${received.length} characters; settled by a sweeper ${seconds.toFixed(1)} s later (main server on ${E2E_APP_PORT})`);
  } finally {
    if (!killed) killEverything(child.pid!);
  }
});

/** SIGKILL to the launcher and every process group its children lead (Next.js runs detached in its own), at once: a machine going away. */
function killEverything(launcherPid: number) {
  const children = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ")".
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === launcherPid;
      } catch {
        return false;
      }
    })
    .map(Number);
  for (const pid of [...children, launcherPid]) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
