import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { assertFunctionName, type RpcArgs } from "@/lib/db/rpc";

/**
 * A check that a request's first database call must pass in the same statement or transaction,
 * before the call itself: `public.<fn>(args)` returns true or raises (the dev sign-in's session
 * check, lib/auth/sessions.ts). The database adapters run it with every call of the request until
 * one succeeds, so a request whose check fails changes nothing; after that, calls go alone. The
 * route wrapper opens the guard around its handler and closes it when the handler is done: a timer
 * or stream started by the request never carries it afterwards.
 */
export type RequestGuard = {
  fn: string;
  args: RpcArgs;
  /** A call carrying the check (or the check itself) succeeded. */
  passed: boolean;
  /** The request's handler has finished: later calls from its async work go unguarded. */
  closed: boolean;
};

const storage = new AsyncLocalStorage<RequestGuard>();

export function requestGuard(fn: string, args: RpcArgs): RequestGuard {
  assertFunctionName(fn);
  return { fn, args, passed: false, closed: false };
}

/** Runs `work` with the guard on every database call it makes, until one passes; closes it after. */
export async function withRequestGuard<T>(guard: RequestGuard, work: () => Promise<T>): Promise<T> {
  try {
    return await storage.run(guard, work);
  } finally {
    guard.closed = true;
  }
}

/** The guard the current call must carry, if any. */
export function pendingGuard(): RequestGuard | undefined {
  const guard = storage.getStore();
  return guard && !guard.passed && !guard.closed ? guard : undefined;
}

/**
 * What a call must run before itself: the pending guard, unless the call is that very check (the
 * route wrapper's own check when the handler made no call; it then passes the guard by itself).
 */
export function guardToCarry(guard: RequestGuard | undefined, fn: string, args: RpcArgs): RequestGuard | undefined {
  if (!guard) return undefined;
  const isTheCheck = fn === guard.fn && JSON.stringify(args) === JSON.stringify(guard.args);
  return isTheCheck ? undefined : guard;
}
