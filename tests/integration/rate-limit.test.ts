import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createPgRpcClient } from "@/lib/db/pg-rpc";
import { AppError, toErrorResponse } from "@/lib/errors";
import { checkRateLimit } from "@/lib/rate-limit/check-rate-limit";
import { createRateLimitStore } from "@/lib/rate-limit/rate-limit-store";
import { asRole, createTestPool } from "./helpers/db";
import { callRpc, createServicePool, pgError } from "./helpers/metering";

const admin = createTestPool(2);
const server = createServicePool(25); // the server's role; enough connections for a real race
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

type Hit = { allowed: boolean; hits: number; limit: number; window_seconds: number; retry_after_seconds: number; resets_at: string };

const newKey = () => `test:${randomUUID()}`;
const hit = (key: string, limit: number, windowSeconds: number, now?: string) =>
  callRpc<Hit>(server, "hit_rate_limit", { p_key: key, p_limit: limit, p_window_seconds: windowSeconds, p_now: now });

describe("hit_rate_limit", () => {
  it("allows limit hits in a window, refuses the next with the seconds left, and allows again in the next window", async () => {
    const key = newKey();
    for (let i = 1; i <= 3; i++) {
      expect(await hit(key, 3, 60, `2026-11-25T10:00:${String(10 + i).padStart(2, "0")}.000Z`)).toEqual({
        allowed: true,
        hits: i,
        limit: 3,
        window_seconds: 60,
        retry_after_seconds: 0,
        resets_at: "2026-11-25T10:01:00.000Z",
      });
    }
    expect(await hit(key, 3, 60, "2026-11-25T10:00:20.300Z")).toEqual({
      allowed: false,
      hits: 4,
      limit: 3,
      window_seconds: 60,
      retry_after_seconds: 40, // 39.7 s rounded up
      resets_at: "2026-11-25T10:01:00.000Z",
    });
    expect(await hit(key, 3, 60, "2026-11-25T10:00:59.999Z")).toMatchObject({ allowed: false, hits: 5, retry_after_seconds: 1 });
    expect(await hit(key, 3, 60, "2026-11-25T10:01:00.000Z")).toEqual({
      allowed: true,
      hits: 1,
      limit: 3,
      window_seconds: 60,
      retry_after_seconds: 0,
      resets_at: "2026-11-25T10:02:00.000Z",
    });
  });

  it("counts keys separately", async () => {
    const a = newKey();
    const b = newKey();
    const now = "2026-11-25T11:00:00.000Z";
    expect(await hit(a, 1, 60, now)).toMatchObject({ allowed: true });
    expect(await hit(a, 1, 60, now)).toMatchObject({ allowed: false });
    expect(await hit(b, 1, 60, now)).toMatchObject({ allowed: true, hits: 1 });
  });

  it("aligns windows to the epoch (an hour window starts on the hour)", async () => {
    expect(await hit(newKey(), 5, 3600, "2026-11-25T11:59:30.000Z")).toMatchObject({ resets_at: "2026-11-25T12:00:00.000Z" });
  });

  it("50 concurrent hits with limit 20: exactly 20 allowed, hits 1..50 each once", async () => {
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 50 }, () => hit(key, 20, 60)));
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    expect(results.map((r) => r.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(results.every((r) => r.allowed === r.hits <= 20)).toBe(true);
    expect(results.filter((r) => !r.allowed).every((r) => r.retry_after_seconds >= 1 && r.retry_after_seconds <= 60)).toBe(true);
  });

  it("drops the key's windows older than an hour, keeping recent ones and other keys'", async () => {
    const key = newKey();
    const other = newKey();
    await hit(key, 5, 60, "2026-11-25T08:00:00.000Z");
    await hit(key, 5, 60, "2026-11-25T08:30:00.000Z");
    await hit(other, 5, 60, "2026-11-25T08:00:00.000Z");
    await hit(key, 5, 60, "2026-11-25T09:10:00.000Z");
    const windows = async (k: string) =>
      (await admin.query<{ w: string }>("select public.format_timestamp(window_start) as w from public.rate_limit_windows where key = $1 order by 1", [k])).rows.map(
        (r) => r.w,
      );
    expect(await windows(key)).toEqual(["2026-11-25T08:30:00.000Z", "2026-11-25T09:10:00.000Z"]);
    expect(await windows(other)).toEqual(["2026-11-25T08:00:00.000Z"]);
  });

  it.each([
    ["an empty key", "", 1, 60, "hit_rate_limit: p_key must be a non-empty string"],
    ["a too long key", "k".repeat(201), 1, 60, "hit_rate_limit: p_key must be at most 200 characters"],
    ["limit 0", "k", 0, 60, "hit_rate_limit: p_limit must be an integer >= 1 (got 0)"],
    ["window 0", "k", 1, 0, "hit_rate_limit: p_window_seconds must be between 1 and 86400 (got 0)"],
    ["a window over a day", "k", 1, 86401, "hit_rate_limit: p_window_seconds must be between 1 and 86400 (got 86401)"],
  ])("refuses %s with 22023", async (_name, key, limit, windowSeconds, message) => {
    expect(await pgError(hit(key, limit, windowSeconds))).toEqual({ code: "22023", message });
  });

  it("is service_role only: anon and authenticated cannot call it or touch the table", async () => {
    for (const role of ["anon", "authenticated"] as const) {
      const call = await pgError(asRole(admin, role, { sub: "user_x", role }, (c) => c.query("select public.hit_rate_limit('chat:user_x', 1, 60)")));
      expect(call, role).toEqual({ code: "42501", message: "permission denied for function hit_rate_limit" });
      for (const sql of ["select * from public.rate_limit_windows", "delete from public.rate_limit_windows"]) {
        expect((await pgError(asRole(admin, role, { sub: "user_x", role }, (c) => c.query(sql)))).code, `${role}: ${sql}`).toBe("42501");
      }
    }
    const { rows } = await admin.query(
      "select relrowsecurity, prosecdef, proconfig from pg_class, pg_proc where pg_class.oid = 'public.rate_limit_windows'::regclass and pg_proc.oid = 'public.hit_rate_limit(text,integer,integer,timestamptz)'::regprocedure",
    );
    expect(rows).toEqual([{ relrowsecurity: true, prosecdef: true, proconfig: ['search_path=""'] }]);
  });
});

describe("checkRateLimit", () => {
  const rpc = createRateLimitStore(createPgRpcClient(server));

  it("returns the count while allowed, then throws AppError rate_limited with Retry-After", async () => {
    const key = newKey();
    const rule = { key, limit: 2, windowSeconds: 60 };
    expect(await checkRateLimit(rpc, rule)).toMatchObject({ allowed: true, hits: 1, limit: 2, retryAfterSeconds: 0, resetsAt: expect.any(Date) });
    expect(await checkRateLimit(rpc, rule)).toMatchObject({ allowed: true, hits: 2 });

    const error = await checkRateLimit(rpc, rule).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe("rate_limited");
    expect(appError.status).toBe(429);
    const seconds = appError.details?.retryAfterSeconds as number;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(appError.details).toEqual({ limit: 2, retryAfterSeconds: seconds });
    expect(appError.headers).toEqual({ "Retry-After": String(seconds) });
    expect(appError.message).toBe(`Too many requests: at most 2 per minute. Try again in ${seconds} s.`);

    const response = toErrorResponse(appError);
    expect(response).toMatchObject({ status: 429, headers: { "Retry-After": String(seconds) }, body: { error: { code: "rate_limited" } } });
  });

  it("the store's hit reports a refusal without throwing", async () => {
    const key = newKey();
    await rpc.hit({ key, limit: 1, windowSeconds: 60 });
    expect(await rpc.hit({ key, limit: 1, windowSeconds: 60 })).toMatchObject({ allowed: false, hits: 2 });
  });

  it("treats a bad rule as a server bug (internal, not bad_request) and calls nothing", async () => {
    for (const rule of [
      { key: "", limit: 1, windowSeconds: 60 },
      { key: "k", limit: 0, windowSeconds: 60 },
      { key: "k", limit: 1, windowSeconds: 1.5 },
    ]) {
      await expect(checkRateLimit(rpc, rule)).rejects.toMatchObject({ name: "AppError", code: "internal" });
    }
    expect((await admin.query("select count(*)::int as n from public.rate_limit_windows where key = 'k'")).rows[0]).toEqual({ n: 0 });
  });
});
