import "server-only";
import { getPool } from "@/lib/db/pool";
import { getEnv } from "@/lib/env";
import { version } from "@/lib/version";

export type PartStatus = "ok" | "error";
export type Health = {
  status: "ok" | "degraded";
  database: PartStatus;
  llm: PartStatus;
  version: string;
  errors?: Partial<Record<"database" | "llm", string>>;
};

const CHECK_TIMEOUT_MS = 2000;

/** Checks each part the app needs; never throws. */
export async function checkHealth(): Promise<Health> {
  const [database, llm] = await Promise.all([checkDatabase(), checkLlm()]);
  const errors = {
    ...(database ? { database } : {}),
    ...(llm ? { llm } : {}),
  };
  return {
    status: database || llm ? "degraded" : "ok",
    database: database ? "error" : "ok",
    llm: llm ? "error" : "ok",
    version,
    ...(Object.keys(errors).length ? { errors } : {}),
  };
}

async function checkDatabase(): Promise<string | undefined> {
  try {
    await withTimeout(getPool().query("select 1"), "database did not answer in time");
    return undefined;
  } catch (error) {
    console.error(`[health] database: ${describe(error)}`);
    return "database unreachable";
  }
}

async function checkLlm(): Promise<string | undefined> {
  try {
    const env = getEnv();
    const response = await fetch(`${env.OPENROUTER_BASE_URL.replace(/\/$/, "")}/models`, {
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      headers: env.OPENROUTER_API_KEY ? { Authorization: `Bearer ${env.OPENROUTER_API_KEY}` } : {},
      cache: "no-store",
    });
    await response.body?.cancel();
    if (!response.ok) return `LLM upstream answered ${response.status}`;
    return undefined;
  } catch (error) {
    console.error(`[health] llm: ${describe(error)}`);
    return "LLM upstream unreachable";
  }
}

function withTimeout<T>(promise: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), CHECK_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
