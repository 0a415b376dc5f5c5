import "server-only";
import type { User } from "@/lib/auth/user";

/**
 * Only with METERING_FAIL_MODE=open: the dev sign-in's sessions this instance verified in Postgres
 * lately, so that while the database is unreachable a signed-in user can still be told apart and
 * chat on the emergency allowance. Used only when the session check itself cannot reach the
 * database; a session revoked during the outage stays usable on this instance until its entry ages
 * out (at most RECALL_MS after its last check). Bounded in size; Clerk's sessions never need it.
 */
const RECALL_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

const recent = new Map<string, { user: User; until: number }>();

export function rememberSession(id: string, user: User, expiresAt: Date): void {
  recent.delete(id); // re-inserted last: the oldest entry is the first to go
  recent.set(id, { user, until: Math.min(expiresAt.getTime(), Date.now() + RECALL_MS) });
  if (recent.size > MAX_ENTRIES) recent.delete(recent.keys().next().value!);
}

export function forgetSession(id: string): void {
  recent.delete(id);
}

export function recallSession(id: string): User | null {
  const entry = recent.get(id);
  if (!entry || entry.until <= Date.now()) return null;
  return entry.user;
}
