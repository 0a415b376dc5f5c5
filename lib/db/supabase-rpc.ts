import "server-only";
import type { PostgrestError, SupabaseClient } from "@supabase/supabase-js";
import { databaseUnavailable, mapPgError } from "@/lib/db/pg-errors";
import { guardToCarry, pendingGuard, type RequestGuard } from "@/lib/db/request-guard";
import { assertFunctionName, type RpcArgs, type RpcClient, type UserIdentity } from "@/lib/db/rpc";
import { AppError } from "@/lib/errors";

export type SupabaseRpcOptions = {
  url: string;
  /** The secret / service_role key: server calls. Created here and nowhere else. */
  serviceRoleKey: string;
  /** The publishable / anon key: user calls carry it as apikey, with the user's JWT as Authorization. */
  anonKey?: string;
  /** Node 20 has no global WebSocket outside Next; tests and scripts pass `ws`. */
  realtimeTransport?: unknown;
  fetch?: typeof fetch;
  /** The app gives up on a call after this long (a stuck network or database): 503 unavailable. */
  timeoutMs?: number;
};

/**
 * supabase-js adapter for a hosted Supabase: every call is PostgREST's `POST /rest/v1/rpc/<fn>`.
 * supabase-js returns `{ data, error }` and does not throw, so every call checks `error`. PostgREST
 * runs one function per request, so a request's guard (lib/db/request-guard.ts) is a call of its own
 * before the first one: one more round trip, the same outcome.
 */
export function createSupabaseRpcClient(options: SupabaseRpcOptions): RpcClient {
  const common = {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    db: { schema: "public" as const },
    global: options.fetch ? { fetch: options.fetch } : undefined,
    realtime: options.realtimeTransport ? ({ transport: options.realtimeTransport } as never) : undefined,
  };
  // supabase-js is loaded on first use only: a server on node-postgres never loads it (nor prints its
  // Node 20 deprecation notice).
  let loaded: Promise<typeof import("@supabase/supabase-js")> | undefined;
  const supabase = () => (loaded ??= import("@supabase/supabase-js"));
  let server: Promise<SupabaseClient> | undefined;
  const serverClient = () => (server ??= supabase().then(({ createClient }) => createClient(options.url, options.serviceRoleKey, common)));

  async function invoke(client: SupabaseClient, fn: string, args: RpcArgs, asUser: boolean): Promise<unknown> {
    assertFunctionName(fn);
    const body = Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
    const request = client.rpc(fn, body);
    const { data, error, status } = await (options.timeoutMs ? request.abortSignal(AbortSignal.timeout(options.timeoutMs)) : request);
    if (error) throw toAppError(error, status, asUser);
    return data;
  }

  /** Runs the request's pending guard as a call of its own, unless `fn(args)` is that check; returns the guard. */
  async function passGuard(fn: string, args: RpcArgs): Promise<RequestGuard | undefined> {
    const guard = pendingGuard();
    const carried = guardToCarry(guard, fn, args);
    if (carried) {
      await invoke(await serverClient(), carried.fn, carried.args, false);
      carried.passed = true;
    }
    return guard;
  }

  return {
    userCallsNeedToken: true,
    async call(fn, args) {
      const guard = await passGuard(fn, args);
      const result = await invoke(await serverClient(), fn, args, false);
      if (guard) guard.passed = true; // passed before, or this call was the check itself
      return result;
    },
    async callAsUser(fn, args, identity: UserIdentity) {
      if (!identity.accessToken || !options.anonKey) {
        throw new AppError("unauthorized", "A database session token is required for this request.");
      }
      const token = identity.accessToken;
      await passGuard(fn, args);
      const { createClient } = await supabase();
      const user = createClient(options.url, options.anonKey, { ...common, accessToken: async () => token });
      return invoke(user, fn, args, true);
    },
  };
}

/** HTTP statuses that mean "PostgREST or its gateway is down right now": status 0 is no answer at all. */
const unavailableStatuses = new Set([0, 502, 503, 504, 520]);

/**
 * supabase-js reports PostgREST errors (`{ code, message, details, hint }`, code = SQLSTATE or PGRSTxxx)
 * and network failures (status 0, message "TypeError: fetch failed") alike, as a plain object in `error`.
 * It becomes a real Error (so mapPgError reads its message) and is mapped by SQLSTATE first, then by status.
 */
function toAppError(error: PostgrestError, status: number, asUser: boolean): AppError {
  const cause = Object.assign(new Error(error.message || `Supabase request failed (HTTP ${status})`), {
    code: error.code,
    details: error.details,
    hint: error.hint,
    status,
  });
  const mapped = mapPgError(cause);
  if (mapped.code !== "internal") return mapped;
  if (unavailableStatuses.has(status)) {
    return databaseUnavailable(cause);
  }
  // PostgREST rejected the user's JWT (expired, bad signature: PGRST30x). With the service key a 401 is our misconfiguration.
  if (asUser && status === 401) return new AppError("unauthorized", "Your session is no longer valid. Sign in again.", { cause });
  return mapped;
}
