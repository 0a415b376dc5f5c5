import "server-only";
import { getPool } from "@/lib/db/pool";
import { createPgRpcClient } from "@/lib/db/pg-rpc";
import type { RpcClient } from "@/lib/db/rpc";
import { createSupabaseRpcClient } from "@/lib/db/supabase-rpc";
import { getEnv } from "@/lib/env";

let rpc: RpcClient | undefined;

/**
 * The process's database port, chosen by configuration: supabase-js when SUPABASE_URL is set
 * (hosted Supabase over its Data API), node-postgres on DATABASE_URL otherwise. Only the store
 * registry (lib/api/stores.ts) calls it; everything else receives stores built on it.
 * The pool it wraps lives on globalThis (it survives `next dev` reloads); this thin adapter need not.
 */
export function getRpc(): RpcClient {
  if (!rpc) {
    const env = getEnv();
    rpc =
      env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY
        ? createSupabaseRpcClient({
            url: env.SUPABASE_URL,
            serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
            anonKey: env.SUPABASE_ANON_KEY,
            timeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS + 500,
          })
        : createPgRpcClient(getPool());
  }
  return rpc;
}
