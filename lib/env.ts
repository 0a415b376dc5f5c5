import "server-only";
import { z } from "zod";

/**
 * All configuration, in one schema. Only this module reads `process.env`.
 * Parsed once, on first use; `assertEnv()` runs it at server start (instrumentation.ts)
 * so a wrong value stops start-up with one line naming the variable.
 */
const OPENROUTER_DEFAULT_BASE_URL = "https://openrouter.ai/api/v1";

const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
const port = z.coerce.number().int().min(1).max(65535);
const databaseUrl = (params?: { error: string }) =>
  z.string(params).regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL");

const baseSchema = z.object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    APP_URL: z.preprocess(emptyToUndefined, z.url().default("http://localhost:3000")),

    DATABASE_URL: z.preprocess(emptyToUndefined, databaseUrl({ error: "is required (npm run dev starts a local database and sets it for you)" })),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
    DATABASE_SERVER_ROLE: z.preprocess(
      (value) => (value === "" ? "none" : value),
      z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, "must be a role name, or none")
        .default("service_role")
        .transform((role) => (role === "none" ? undefined : role)),
    ),
    LOCAL_DB_PORT: port.default(54329),

    SUPABASE_URL: optionalUrl,
    SUPABASE_ANON_KEY: optionalString,
    SUPABASE_SERVICE_ROLE_KEY: optionalString,

    OPENROUTER_API_KEY: optionalString,
    OPENROUTER_BASE_URL: z.preprocess(emptyToUndefined, z.url().default(OPENROUTER_DEFAULT_BASE_URL)),
    OPENROUTER_SITE_URL: optionalUrl,
    OPENROUTER_APP_NAME: z.preprocess(emptyToUndefined, z.string().default("Tokenmeter")),
    LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(60000),
    LLM_STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30000),
    // Below the hold's lifetime (app_settings.hold_ttl_seconds, 600 s by default).
    LLM_MAX_STREAM_MS: z.coerce.number().int().min(1000).default(300000),
    LOCAL_LLM_PORT: port.default(54330),

    // What a chat does when the quota cannot be checked (the database is unreachable): closed refuses
    // (503); open lets it through against a small per-instance emergency allowance and charges it when
    // the database is back, possibly past the cap. README: "When the database is away".
    METERING_FAIL_MODE: z.preprocess(emptyToUndefined, z.enum(["closed", "open"]).default("closed")),
    METERING_EMERGENCY_USER_TOKENS: z.coerce.number().int().min(0).max(10_000_000).default(8_000),
    METERING_EMERGENCY_TOKENS: z.coerce.number().int().min(0).max(1_000_000_000).default(200_000),
    // How long a settle keeps retrying before the settlement goes to the spool (0: one attempt).
    METERING_SETTLE_RETRY_MS: z.coerce.number().int().min(0).max(600_000).default(35_000),
    // The durable local spool of settlements the database could not take (relative to the working directory).
    METERING_SPOOL_DIR: z.preprocess(emptyToUndefined, z.string().default(".tokenmeter/spool")),

    AUTH_MODE: z.preprocess(emptyToUndefined, z.enum(["dev"]).optional()),
    // Clerk (production sign-in): all three set, or none. Read at run time, so one build serves both.
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: z.preprocess(emptyToUndefined, z.string().regex(/^pk_(test|live)_[A-Za-z0-9+/=_-]+$/, "must be a Clerk publishable key (pk_test_… or pk_live_…)").optional()),
    CLERK_SECRET_KEY: optionalString,
    // The instance's PEM public key (Clerk dashboard, API keys): sessions are verified with no network call.
    CLERK_JWT_KEY: z.preprocess(
      (value) => (typeof value === "string" ? emptyToUndefined(value.replaceAll("\\n", "\n")) : value),
      z.string().includes("PUBLIC KEY", { message: "must be the PEM public key (-----BEGIN PUBLIC KEY----- …)" }).optional(),
    ),
    SESSION_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "must be at least 32 characters").optional()),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
    // Comma-separated user ids made admins (accounts.is_admin) on their first admin request.
    ADMIN_USER_IDS: z.preprocess(
      (value) => (typeof value === "string" ? value.split(",").map((id) => id.trim()).filter(Boolean) : value),
      z.array(z.string().max(200, "must list user ids of at most 200 characters")).default([]),
    ),
  });

export const envSchema = baseSchema.superRefine((value, ctx) => {
    if (!value.OPENROUTER_API_KEY && value.OPENROUTER_BASE_URL.startsWith(OPENROUTER_DEFAULT_BASE_URL)) {
      ctx.addIssue({
        code: "custom",
        path: ["OPENROUTER_API_KEY"],
        message: "is required when OPENROUTER_BASE_URL points at openrouter.ai (unset both to use the local LLM server)",
      });
    }
    const clerk = [value.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY, value.CLERK_SECRET_KEY, value.CLERK_JWT_KEY];
    if (clerk.some(Boolean) && !clerk.every(Boolean)) {
      const missing = (["NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "CLERK_JWT_KEY"] as const).find((name) => !value[name])!;
      ctx.addIssue({ code: "custom", path: [missing], message: "is required with the other Clerk keys (set all three, or none for the local dev sign-in)" });
    }
    if (clerk.every(Boolean) && value.AUTH_MODE === "dev") {
      ctx.addIssue({ code: "custom", path: ["AUTH_MODE"], message: "must not be dev when Clerk is configured (one sign-in at a time)" });
    }
    if (value.NODE_ENV === "production" && value.AUTH_MODE !== "dev" && !clerk.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_MODE"],
        message: "must be set to dev to allow the local dev sign-in in production, or configure Clerk (NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY, CLERK_JWT_KEY)",
      });
    }
    if (value.NODE_ENV === "production" && !value.SESSION_SECRET && !clerk.every(Boolean)) {
      ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "is required in production (at least 32 random characters)" });
    }
    if (value.SUPABASE_URL && !value.SUPABASE_SERVICE_ROLE_KEY) {
      ctx.addIssue({ code: "custom", path: ["SUPABASE_SERVICE_ROLE_KEY"], message: "is required when SUPABASE_URL is set" });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** What the local launcher (scripts/dev.ts) needs before it has started the local database and LLM server. */
const launcherSchema = baseSchema
  .pick({ LOCAL_DB_PORT: true, LOCAL_LLM_PORT: true, OPENROUTER_API_KEY: true })
  .extend({ DATABASE_URL: z.preprocess(emptyToUndefined, databaseUrl().optional()), OPENROUTER_BASE_URL: optionalUrl });
export type LauncherEnv = z.infer<typeof launcherSchema>;

export class EnvError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable}${/^(is|must) /.test(detail) ? " " : ": "}${detail}`);
    this.name = "EnvError";
  }
}

/** Parses a given source (tests pass their own); throws EnvError naming the first variable at fault. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  return parseWith(envSchema, source);
}

export function parseLauncherEnv(source: Record<string, string | undefined>): LauncherEnv {
  return parseWith(launcherSchema, source);
}

function parseWith<T extends z.ZodType>(schema: T, source: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = issue.path.map(String).join(".") || "(environment)";
  const missing = issue.code === "invalid_type" && source[variable] === undefined;
  const detail = missing && issue.message.startsWith("Invalid input") ? "is required" : issue.message;
  throw new EnvError(variable, detail);
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Validates configuration at start-up: prints one line and exits on a bad value. */
export function assertEnv(): void {
  try {
    getEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

