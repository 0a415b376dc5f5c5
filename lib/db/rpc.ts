/**
 * The database port: call one of our SQL functions by name with named arguments (p_*), as the
 * server (service_role) or as a signed-in user (authenticated, with their JWT claims, under RLS).
 * Two adapters implement it: node-postgres (lib/db/pg-rpc.ts) and supabase-js (lib/db/supabase-rpc.ts).
 * Both call the very same SQL functions, so quota decisions are identical and atomic either way.
 */
export type RpcArgs = Record<string, string | number | boolean | null | undefined>;

export type UserIdentity = {
  userId: string;
  /** A JWT the database can verify (Clerk's session token on hosted Supabase), when there is one. */
  accessToken?: string;
};

export interface RpcClient {
  /** True when callAsUser needs a JWT the database can verify (hosted Supabase); node-postgres sets claims itself. */
  readonly userCallsNeedToken: boolean;
  /** Calls `public.<fn>(args)` as the server role; resolves to the function's JSON result. */
  call(fn: string, args: RpcArgs): Promise<unknown>;
  /** Calls `public.<fn>(args)` as the signed-in user, under Row Level Security. */
  callAsUser(fn: string, args: RpcArgs, identity: UserIdentity): Promise<unknown>;
}

/** Argument names become SQL identifiers in the pg adapter: only p_snake_case is allowed. */
export function assertArgName(name: string): void {
  if (!/^p_[a-z0-9_]+$/.test(name)) throw new Error(`invalid RPC argument name: ${name}`);
}

export function assertFunctionName(name: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`invalid RPC function name: ${name}`);
}
