import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createMeteringStore } from "@/lib/metering/store";
import { createSupabaseRpcClient } from "@/lib/db/supabase-rpc";
import { AppError } from "@/lib/errors";
import { getFreePort } from "@/scripts/free-port";

/**
 * The supabase-js adapter against a local HTTP server that plays PostgREST: every request is
 * recorded and checked byte for byte (method, path, headers, JSON body), and the answers cover
 * results, PostgREST errors, outages and malformed bodies.
 */

const SERVICE_KEY = "service-role-key-for-tests";
const ANON_KEY = "anon-key-for-tests";
const USER_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyX2EifQ.c2ln";

type Recorded = {
  method: string;
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
};
type Answer = { status: number; body?: unknown; raw?: string; headers?: Record<string, string> };

// ------------------------------------------------------------------------------------------------
// Realistic results, shaped as the SQL functions build them (see the migration's comments).
// ------------------------------------------------------------------------------------------------
const status = {
  user_id: "user_a",
  plan: "free",
  plan_name: "Free",
  period: "day",
  period_start: "2026-11-25T00:00:00.000Z",
  resets_at: "2026-11-26T00:00:00.000Z",
  used: 1200,
  cap: 40000,
  held: 4000,
  remaining: 44800,
  balance: 10000,
};
const results: Record<string, unknown> = {
  reserve_tokens: {
    ...status,
    ok: true,
    request_id: "req_1",
    reserved: 4000,
    model: "openai/gpt-4o-mini",
    expires_at: "2026-11-25T10:15:00.000Z",
    already_reserved: false,
  },
  settle_tokens: {
    ...status,
    held: 0,
    used: 2000,
    ok: true,
    request_id: "req_1",
    total_tokens: 800,
    plan_tokens: 800,
    balance_tokens: 0,
    charged_period: "day",
    charged_period_start: "2026-11-25T00:00:00.000Z",
    already_settled: false,
  },
  release_tokens: { ok: true, request_id: "req_1", released: true },
  get_token_status: status,
  get_my_token_status: status,
  admin_set_plan: { ...status, plan: "pro", plan_name: "Pro", period: "month", ok: true, changed: true, previous_plan: "free" },
  admin_set_cap_override: { ...status, ok: true, changed: true, cap_override: null, previous_cap_override: 5000 },
  admin_grant_tokens: { ...status, balance: 15000, ok: true, balance_ledger_id: 42 },
  admin_top_up: { ...status, ok: false, reason: "duplicate_payment_ref", payment_ref: "pay_1" },
};

// ------------------------------------------------------------------------------------------------
// The fake PostgREST
// ------------------------------------------------------------------------------------------------
let requests: Recorded[] = [];
let respond: (request: Recorded) => Answer;
const defaultRespond = (request: Recorded): Answer => {
  const fn = request.path.replace(/^\/rest\/v1\/rpc\//, "");
  return fn in results ? { status: 200, body: results[fn] } : { status: 404, body: { code: "PGRST202", message: "not found" } };
};

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const recorded: Recorded = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      body: text === "" ? undefined : (JSON.parse(text) as unknown),
    };
    requests.push(recorded);
    const answer = respond(recorded);
    res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
    res.end(answer.raw ?? (answer.body === undefined ? "" : JSON.stringify(answer.body)));
  });
});
let baseUrl = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests = [];
  respond = defaultRespond;
});

function createStore({ url = baseUrl, anonKey = ANON_KEY as string | undefined } = {}) {
  return createMeteringStore(createSupabaseRpcClient({ url, serviceRoleKey: SERVICE_KEY, anonKey, realtimeTransport: WebSocket }));
}

/** Resolves to the AppError a promise rejects with; fails if it resolves or rejects with anything else. */
async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => expect.unreachable("expected an AppError, but the call succeeded"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

function expectServiceHeaders(request: Recorded) {
  expect(request.headers).toMatchObject({
    apikey: SERVICE_KEY,
    authorization: `Bearer ${SERVICE_KEY}`,
    "content-type": "application/json",
    "content-profile": "public",
  });
  expect(request.headers["accept-profile"]).toBeUndefined();
  expect(String(request.headers["x-client-info"])).toMatch(/^supabase-js/);
}

const reserveInput = { userId: "user_a", requestId: "req_1", model: "openai/gpt-4o-mini", minTokens: 256, maxTokens: 4000 };

describe("supabase-js adapter: the requests it sends", () => {
  it("reserveTokens: one POST /rest/v1/rpc/reserve_tokens with the p_* args as JSON, service key headers", async () => {
    const result = await createStore().reserveTokens(reserveInput);

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({ method: "POST", path: "/rest/v1/rpc/reserve_tokens", query: "" });
    // p_prompt_tokens was undefined: omitted, not sent as null.
    expect(request!.body).toStrictEqual({
      p_user_id: "user_a",
      p_request_id: "req_1",
      p_model: "openai/gpt-4o-mini",
      p_min_tokens: 256,
      p_max_tokens: 4000,
    });
    expectServiceHeaders(request!);

    expect(result).toStrictEqual({
      ok: true,
      requestId: "req_1",
      reserved: 4000,
      promptTokensHeld: null,
      expiresAt: new Date("2026-11-25T10:15:00.000Z"),
      alreadyReserved: false,
      status: {
        userId: "user_a",
        plan: "free",
        planName: "Free",
        period: "day",
        periodStart: new Date("2026-11-25T00:00:00.000Z"),
        resetsAt: new Date("2026-11-26T00:00:00.000Z"),
        used: 1200,
        cap: 40000,
        held: 4000,
        remaining: 44800,
        balance: 10000,
        alerts: [],
      },
    });
    expect(result.ok && result.expiresAt).toBeInstanceOf(Date);
  });

  it("reserveTokens passes p_prompt_tokens when given, and parses a refusal", async () => {
    respond = () => ({ status: 200, body: { ...status, remaining: 0, ok: false, reason: "quota_exceeded", request_id: "req_2" } });
    const result = await createStore().reserveTokens({ ...reserveInput, requestId: "req_2", promptTokens: 900 });
    expect(requests.map((r) => r.body)).toStrictEqual([
      { p_user_id: "user_a", p_request_id: "req_2", p_model: "openai/gpt-4o-mini", p_min_tokens: 256, p_max_tokens: 4000, p_prompt_tokens: 900 },
    ]);
    expect(result).toMatchObject({ ok: false, reason: "quota_exceeded", requestId: "req_2", status: { remaining: 0 } });
  });

  it("every other server call hits its function with exactly its p_* args, once, as the service role", async () => {
    const store = createStore();
    const settled = await store.settleTokens({
      requestId: "req_1",
      userId: "user_a",
      model: "openai/gpt-4o-mini",
      inputTokens: 300,
      outputTokens: 500,
      outcome: "ok",
    });
    const released = await store.releaseTokens("req_1");
    const gauge = await store.getTokenStatus("user_a");
    const plan = await store.setPlan("user_a", "pro", "user_admin");
    const cap = await store.setCapOverride("user_a", null, "user_admin");
    const grant = await store.grantTokens("user_a", 5000, "support", "user_admin");
    const topUp = await store.topUp("user_a", 5000, "pay_1", "user_admin");

    expect(requests.map((r) => [r.method, r.path, r.query, r.body])).toStrictEqual([
      [
        "POST",
        "/rest/v1/rpc/settle_tokens",
        "",
        {
          p_request_id: "req_1",
          p_user_id: "user_a",
          p_model: "openai/gpt-4o-mini",
          p_input_tokens: 300,
          p_output_tokens: 500,
          p_cost_usd: null,
          p_latency_ms: null,
          p_outcome: "ok",
        },
      ],
      ["POST", "/rest/v1/rpc/release_tokens", "", { p_request_id: "req_1" }],
      ["POST", "/rest/v1/rpc/get_token_status", "", { p_user_id: "user_a" }],
      ["POST", "/rest/v1/rpc/admin_set_plan", "", { p_user_id: "user_a", p_plan_id: "pro", p_actor: "user_admin" }],
      ["POST", "/rest/v1/rpc/admin_set_cap_override", "", { p_user_id: "user_a", p_cap: null, p_actor: "user_admin" }],
      ["POST", "/rest/v1/rpc/admin_grant_tokens", "", { p_user_id: "user_a", p_tokens: 5000, p_reason: "support", p_actor: "user_admin" }],
      ["POST", "/rest/v1/rpc/admin_top_up", "", { p_user_id: "user_a", p_tokens: 5000, p_payment_ref: "pay_1", p_actor: "user_admin" }],
    ]);
    for (const request of requests) expectServiceHeaders(request);

    expect(settled).toMatchObject({ requestId: "req_1", totalTokens: 800, planTokens: 800, balanceTokens: 0, alreadySettled: false });
    expect(settled.status.resetsAt).toEqual(new Date("2026-11-26T00:00:00.000Z"));
    expect(released).toStrictEqual({ requestId: "req_1", released: true });
    expect(gauge).toMatchObject({ userId: "user_a", used: 1200, remaining: 44800 });
    expect(gauge.periodStart).toBeInstanceOf(Date);
    expect(plan).toMatchObject({ ok: true, status: { plan: "pro", period: "month" } });
    expect(cap).toMatchObject({ ok: true });
    expect(grant).toMatchObject({ ok: true, status: { balance: 15000 } });
    expect(topUp).toMatchObject({ ok: false, reason: "duplicate_payment_ref" });
  });

  it("settleTokens sends cost and latency when known", async () => {
    await createStore().settleTokens({
      requestId: "req_1",
      userId: "user_a",
      model: "openai/gpt-4o-mini",
      inputTokens: 300,
      outputTokens: 0,
      costUsd: 0.000123,
      latencyMs: 850,
      outcome: "aborted",
    });
    expect(requests[0]!.body).toMatchObject({ p_cost_usd: 0.000123, p_latency_ms: 850, p_outcome: "aborted", p_output_tokens: 0 });
  });

  it("getMyTokenStatus sends the anon key as apikey and the user's JWT as Authorization", async () => {
    const gauge = await createStore().getMyTokenStatus({ userId: "user_a", accessToken: USER_JWT });

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({ method: "POST", path: "/rest/v1/rpc/get_my_token_status", query: "", body: {} });
    expect(request!.headers).toMatchObject({
      apikey: ANON_KEY,
      authorization: `Bearer ${USER_JWT}`,
      "content-type": "application/json",
      "content-profile": "public",
    });
    // The service key never travels with a user's request.
    expect(JSON.stringify(request!.headers)).not.toContain(SERVICE_KEY);
    expect(gauge).toMatchObject({ userId: "user_a", plan: "free", remaining: 44800 });
  });

  it("getMyTokenStatus without a user token (the dev sign-in) is read by the server for that user", async () => {
    const status = await createStore().getMyTokenStatus({ userId: "user_a" });
    expect(status.userId).toBe("user_a");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: "POST", path: "/rest/v1/rpc/get_token_status", body: { p_user_id: "user_a" } });
    expect(requests[0]!.headers).toMatchObject({ apikey: SERVICE_KEY, authorization: `Bearer ${SERVICE_KEY}` });
  });

  it("a user call with a token but no anon key configured is unauthorized and sends nothing", async () => {
    const noAnonKey = await appError(createStore({ anonKey: "" }).getMyTokenStatus({ userId: "user_a", accessToken: USER_JWT }));
    expect(noAnonKey.code).toBe("unauthorized");
    expect(requests).toHaveLength(0);
  });
});

describe("supabase-js adapter: answers and errors", () => {
  it("400 with SQLSTATE 22023 -> bad_request carrying the function's message", async () => {
    const message = "reserve_tokens: p_min_tokens must be an integer >= 1 (got -5)";
    respond = () => ({ status: 400, body: { code: "22023", message, details: null, hint: null } });
    const error = await appError(createStore().reserveTokens({ ...reserveInput, minTokens: -5 }));
    expect(error.code).toBe("bad_request");
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
    expect(requests).toHaveLength(1);
  });

  it.each([403, 401])("%i with SQLSTATE 42501 -> forbidden, with a generic message", async (httpStatus) => {
    respond = () => ({
      status: httpStatus,
      body: { code: "42501", message: "permission denied for function get_token_status", details: null, hint: null },
    });
    const error = await appError(createStore().getTokenStatus("user_a"));
    expect(error.code).toBe("forbidden");
    expect(error.message).toBe("Not allowed.");
  });

  it("42501 raised by get_my_token_status (no sub in the JWT) -> forbidden", async () => {
    respond = () => ({
      status: 403,
      body: { code: "42501", message: "get_my_token_status: no signed-in user (the JWT has no sub claim)", details: null, hint: null },
    });
    const error = await appError(createStore().getMyTokenStatus({ userId: "user_a", accessToken: USER_JWT }));
    expect(error.code).toBe("forbidden");
  });

  it("401 rejecting the user's JWT (expired) -> unauthorized; the same 401 on a server call is internal", async () => {
    respond = () => ({ status: 401, body: { code: "PGRST303", message: "JWT expired", details: null, hint: null } });
    const user = await appError(createStore().getMyTokenStatus({ userId: "user_a", accessToken: USER_JWT }));
    expect(user.code).toBe("unauthorized");
    const server = await appError(createStore().getTokenStatus("user_a"));
    expect(server.code).toBe("internal");
    expect(server.message).toBe("Database error.");
  });

  it.each([
    ["PostgREST's schema-cache JSON", { code: "PGRST002", message: "Could not query the database for the schema cache. Retrying.", details: null, hint: null }],
    ["an HTML error page", "<html><body>503 Service Temporarily Unavailable</body></html>"],
  ])("503 with %s -> unavailable, sent once (a POST is not retried)", async (_label, payload) => {
    respond = () => (typeof payload === "string" ? { status: 503, raw: payload, headers: { "content-type": "text/html" } } : { status: 503, body: payload });
    const started = performance.now();
    const error = await appError(createStore().reserveTokens(reserveInput));
    expect(error.code).toBe("unavailable");
    expect(error.status).toBe(503);
    expect(error.message).not.toMatch(/schema cache|html/i);
    expect(requests).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(900); // no retry back-off (the first one waits 1 s)
  });

  it.each([502, 504, 520])("%i from a gateway -> unavailable", async (httpStatus) => {
    respond = () => ({ status: httpStatus, raw: "Bad gateway", headers: { "content-type": "text/plain" } });
    const error = await appError(createStore().getTokenStatus("user_a"));
    expect(error.code).toBe("unavailable");
  });

  it("connection refused: supabase-js returns { error } (it does not throw) -> unavailable, and no retry", async () => {
    const closedUrl = `http://127.0.0.1:${await getFreePort()}`;
    const started = performance.now();
    const server = await appError(createStore({ url: closedUrl }).reserveTokens(reserveInput));
    expect(server.code).toBe("unavailable");
    const user = await appError(createStore({ url: closedUrl }).getMyTokenStatus({ userId: "user_a", accessToken: USER_JWT }));
    expect(user.code).toBe("unavailable");
    expect(performance.now() - started).toBeLessThan(900);
    // The driver's text ("TypeError: fetch failed ... ECONNREFUSED") stays in the cause.
    expect(server.message).not.toMatch(/fetch failed|ECONNREFUSED|127\.0\.0\.1/);
    expect(String((server.cause as Error).message)).toMatch(/fetch failed/);
  });

  it("a malformed success body ({ ok: true } without the fields) -> internal, nothing leaked", async () => {
    respond = () => ({ status: 200, body: { ok: true } });
    const error = await appError(createStore().reserveTokens(reserveInput));
    expect(error.code).toBe("internal");
    expect(error.message).toBe("Unexpected answer from the database.");
  });

  it.each([
    ["a non-JSON 200 body", { status: 200, raw: "this is not json", headers: { "content-type": "text/plain" } }],
    ["an empty 200 body", { status: 200, raw: "" }],
    ["a JSON null", { status: 200, raw: "null" }],
    ["dates that are not ISO strings", { status: 200, body: { ...status, period_start: "yesterday" } }],
    ["a fractional token count", { status: 200, body: { ...status, used: 1.5 } }],
  ] satisfies [string, Answer][])("%s -> internal", async (_label, answer) => {
    respond = () => answer;
    const error = await appError(createStore().getTokenStatus("user_a"));
    expect(error.code).toBe("internal");
    expect(error.message).not.toMatch(/not json|yesterday/);
  });

  it("an unknown PostgREST error (function missing, 404) -> internal with a generic message", async () => {
    respond = () => ({
      status: 404,
      body: { code: "PGRST202", message: "Could not find the function public.reserve_tokens(p_user_id) in the schema cache", details: null, hint: null },
    });
    const error = await appError(createStore().reserveTokens(reserveInput));
    expect(error.code).toBe("internal");
    expect(error.message).toBe("Database error.");
  });
});

// ------------------------------------------------------------------------------------------------
// Live: a real hosted project. Runs only when both variables are set; skipped otherwise (and a
// skipped block proves nothing).
// ------------------------------------------------------------------------------------------------
function liveSupabase(): { url: string; serviceRoleKey: string } | null {
  const url = process.env.SUPABASE_URL;
  const serviceRoleKey = process.env.SUPABASE_SERVICE_ROLE_KEY;
  return url && serviceRoleKey ? { url, serviceRoleKey } : null;
}
const live = liveSupabase();

describe.runIf(live)("supabase-js adapter against a live project", () => {
  it("reserve -> settle -> status round trip for a new user", async () => {
    const store = createMeteringStore(createSupabaseRpcClient({ ...live!, realtimeTransport: WebSocket }));
    const userId = `user_it_${randomUUID()}`;
    const requestId = `req_${randomUUID()}`;
    const before = await store.getTokenStatus(userId);

    const reserved = await store.reserveTokens({ userId, requestId, model: "openai/gpt-4o-mini", minTokens: 100, maxTokens: 1000 });
    expect(reserved).toMatchObject({ ok: true, requestId, reserved: 1000, status: { userId, held: 1000 } });

    const settled = await store.settleTokens({ requestId, userId, model: "openai/gpt-4o-mini", inputTokens: 120, outputTokens: 380, outcome: "ok" });
    expect(settled).toMatchObject({ requestId, totalTokens: 500, alreadySettled: false, status: { held: 0 } });

    const after = await store.getTokenStatus(userId);
    expect(after).toMatchObject({ userId, plan: before.plan, held: 0, used: before.used + settled.planTokens });
    expect(after.balance).toBe(before.balance - settled.balanceTokens);
  });
});
