import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

const valid = {
  DATABASE_URL: "postgresql://postgres:postgres@127.0.0.1:54329/postgres",
  OPENROUTER_BASE_URL: "http://127.0.0.1:54330/v1",
};

function errorOf(source: Record<string, string | undefined>): EnvError {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error("expected parseEnv to throw");
}

describe("parseEnv", () => {
  it("accepts a minimal local configuration and fills defaults", () => {
    const env = parseEnv(valid);
    expect(env.DATABASE_POOL_MAX).toBe(10);
    expect(env.LOCAL_DB_PORT).toBe(54329);
    expect(env.OPENROUTER_APP_NAME).toBe("Tokenmeter");
    expect(env.NODE_ENV).toBe("development");
  });

  it("names a missing DATABASE_URL in one line", () => {
    const error = errorOf({ OPENROUTER_BASE_URL: valid.OPENROUTER_BASE_URL });
    expect(error.variable).toBe("DATABASE_URL");
    expect(error.message).toMatch(/^Invalid configuration: DATABASE_URL is required/);
    expect(error.message).not.toContain("\n");
  });

  it("names a DATABASE_URL that is not a postgres URL", () => {
    const error = errorOf({ ...valid, DATABASE_URL: "mysql://x" });
    expect(error.message).toBe("Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL");
  });

  it("treats an empty value as unset", () => {
    expect(errorOf({ ...valid, DATABASE_URL: "  " }).variable).toBe("DATABASE_URL");
  });

  it.each([
    ["LOCAL_DB_PORT", "abc"],
    ["LOCAL_DB_PORT", "70000"],
    ["DATABASE_POOL_MAX", "0"],
    ["APP_URL", "not a url"],
    ["NODE_ENV", "staging"],
  ])("names %s when it is %s", (variable, value) => {
    const error = errorOf({ ...valid, [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`Invalid configuration: ${variable}`)).toBe(true);
  });

  it("requires OPENROUTER_API_KEY when the base URL is OpenRouter's", () => {
    const error = errorOf({ DATABASE_URL: valid.DATABASE_URL });
    expect(error.variable).toBe("OPENROUTER_API_KEY");
    expect(parseEnv({ DATABASE_URL: valid.DATABASE_URL, OPENROUTER_API_KEY: "sk-or-test" }).OPENROUTER_BASE_URL).toBe(
      "https://openrouter.ai/api/v1",
    );
  });

  it("requires the service role key with SUPABASE_URL", () => {
    expect(errorOf({ ...valid, SUPABASE_URL: "https://abc.supabase.co" }).variable).toBe("SUPABASE_SERVICE_ROLE_KEY");
  });
});
