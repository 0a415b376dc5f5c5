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

  describe("Clerk", () => {
    const pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----";
    const clerk = { NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: "pk_test_ZXhhbXBsZS5jbGVyay5hY2NvdW50cy5kZXYk", CLERK_SECRET_KEY: "sk_test_x", CLERK_JWT_KEY: pem };

    it("takes all three keys, and turns a PEM's written \\n into newlines", () => {
      const env = parseEnv({ ...valid, ...clerk, CLERK_JWT_KEY: pem.replaceAll("\n", "\\n") });
      expect(env.CLERK_JWT_KEY).toBe(pem);
    });

    it.each(["NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "CLERK_JWT_KEY"])("names %s when only the others are set", (missing) => {
      expect(errorOf({ ...valid, ...clerk, [missing]: "" }).variable).toBe(missing);
    });

    it("refuses a key that is not Clerk's, and a JWT key that is not a PEM public key", () => {
      expect(errorOf({ ...valid, ...clerk, NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: "pk_oops" }).variable).toBe("NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY");
      expect(errorOf({ ...valid, ...clerk, CLERK_JWT_KEY: "abc" }).variable).toBe("CLERK_JWT_KEY");
    });

    it("in production, Clerk is the sign-in (no AUTH_MODE or SESSION_SECRET needed), and never beside AUTH_MODE=dev", () => {
      expect(parseEnv({ ...valid, ...clerk, NODE_ENV: "production" }).AUTH_MODE).toBeUndefined();
      expect(errorOf({ ...valid, NODE_ENV: "production" }).variable).toBe("AUTH_MODE");
      expect(errorOf({ ...valid, ...clerk, AUTH_MODE: "dev" }).variable).toBe("AUTH_MODE");
    });
  });
});
