import "server-only";
import type { Stores } from "@/lib/api/stores";
import { checkLlm } from "@/lib/llm/check-llm";
import { version } from "@/lib/version";

export type PartStatus = "ok" | "error";
export type Health = {
  status: "ok" | "degraded";
  database: PartStatus;
  llm: PartStatus;
  version: string;
  errors?: Partial<Record<"database" | "llm", string>>;
};

export type DatabaseCheck = { ok: true; roundTripMs: number } | { ok: false; error: string };

const CHECK_TIMEOUT_MS = 2000;

/** Checks each part the app needs; never throws. */
export async function checkHealth(stores: Pick<Stores, "database">): Promise<Health> {
  const [database, llm] = await Promise.all([checkDatabase(stores), checkLlm()]);
  const errors = {
    ...(database.ok ? {} : { database: database.error }),
    ...(llm ? { llm } : {}),
  };
  return {
    status: !database.ok || llm ? "degraded" : "ok",
    database: database.ok ? "ok" : "error",
    llm: llm ? "error" : "ok",
    version,
    ...(Object.keys(errors).length ? { errors } : {}),
  };
}

/** The one database health check: one round trip through the database port, timed; never throws. */
export async function checkDatabase(stores: Pick<Stores, "database">): Promise<DatabaseCheck> {
  const started = performance.now();
  try {
    await withTimeout(stores.database.ping(), "database did not answer in time");
    return { ok: true, roundTripMs: Math.max(1, Math.round(performance.now() - started)) };
  } catch (error) {
    console.error(`[health] database: ${describe(error)}`);
    return { ok: false, error: "database unreachable" };
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
