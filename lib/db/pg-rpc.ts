import "server-only";
import type pg from "pg";
import { mapPgError } from "@/lib/db/pg-errors";
import { guardToCarry, pendingGuard } from "@/lib/db/request-guard";
import { assertArgName, assertFunctionName, type RpcArgs, type RpcClient, type UserIdentity } from "@/lib/db/rpc";

/**
 * node-postgres adapter: local and direct connections. The pool's sessions already run as the
 * server role (lib/db/pool.ts sets `role` at connect), so a server call is one round trip.
 * A user call runs as PostgREST runs a request: one transaction, the role `authenticated` and the
 * claims in request.jwt.claims set for it; sent as one multi-statement query, so also one round trip.
 * A request's guard (lib/db/request-guard.ts) rides along: in the same statement for a server call
 * (CASE runs the check first, the call only when it passed), as the transaction's first statement
 * for a user call (as the server role, before the role switch).
 */
export function createPgRpcClient(pool: pg.Pool): RpcClient {
  return {
    userCallsNeedToken: false,

    async call(fn, args) {
      assertFunctionName(fn);
      const guard = pendingGuard();
      const carried = guardToCarry(guard, fn, args);
      const entries = definedEntries(args);
      const guardEntries = carried ? definedEntries(carried.args) : [];
      const placeholders = (list: typeof entries, offset: number) => list.map(([name], i) => `${name} => $${offset + i + 1}`).join(", ");
      const call = `public.${fn}(${placeholders(entries, guardEntries.length)})`;
      const sql = carried ? `select case when public.${carried.fn}(${placeholders(guardEntries, 0)}) then ${call} end as result` : `select ${call} as result`;
      try {
        const { rows } = await pool.query<{ result: unknown }>(sql, [...guardEntries, ...entries].map(([, value]) => value));
        if (guard) guard.passed = true;
        return rows[0]?.result ?? null;
      } catch (error) {
        throw mapPgError(error);
      }
    },

    async callAsUser(fn, args, identity: UserIdentity) {
      assertFunctionName(fn);
      const guard = pendingGuard();
      const carried = guardToCarry(guard, fn, args);
      const entries = definedEntries(args);
      const client = await connect(pool);
      // A checked-out client has no pool listener: without ours, a connection dropped mid-call
      // (database restart, failover) would be an uncaught 'error' event that kills the process.
      const onError = (error: Error) => console.warn(`[db] connection lost during a user call: ${error.message}`);
      client.on("error", onError);
      const release = (error?: Error) => {
        client.removeListener("error", onError);
        client.release(error);
      };
      try {
        const literal = (value: unknown) => (value === null ? "null" : client.escapeLiteral(String(value)));
        const named = (list: typeof entries) => list.map(([name, value]) => `${name} => ${literal(value)}`).join(", ");
        const claims = JSON.stringify({ sub: identity.userId, role: "authenticated" });
        const statements = [
          "begin",
          ...(carried ? [`select public.${carried.fn}(${named(definedEntries(carried.args))})`] : []),
          // As PostgREST does: the claims and the role for this transaction only, in one statement.
          `select set_config('request.jwt.claims', ${literal(claims)}, true), set_config('role', 'authenticated', true)`,
          `select public.${fn}(${named(entries)}) as result`,
          "commit",
        ];
        const results = (await client.query(statements.join(";\n"))) as unknown as pg.QueryResult<{ result: unknown }>[];
        release();
        if (guard) guard.passed = true;
        return results[statements.length - 2]?.rows[0]?.result ?? null;
      } catch (error) {
        // A client that timed out on our side is stuck (its server stopped answering): discard it
        // without another round trip. One whose rollback fails is broken too: release(error) discards it.
        if (isClientTimeout(error)) {
          release(error as Error);
          throw mapPgError(error);
        }
        const broken = await client.query("rollback").then(
          () => undefined,
          (rollbackError: unknown) => (rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))),
        );
        release(broken);
        throw mapPgError(error);
      }
    },
  };
}

function definedEntries(args: RpcArgs): [string, string | number | boolean | null][] {
  const entries = Object.entries(args).filter((entry): entry is [string, string | number | boolean | null] => entry[1] !== undefined);
  for (const [name] of entries) assertArgName(name);
  return entries;
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw mapPgError(error);
  }
}


/** node-postgres' query_timeout: the query's reply never came. */
function isClientTimeout(error: unknown): boolean {
  return error instanceof Error && /^Query read timeout$/.test(error.message);
}
