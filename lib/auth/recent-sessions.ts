import "server-only";
import type { User } from "@/lib/auth/user";

/**
 * The dev sign-in's sessions this instance has found valid in Postgres, by id: whose each one is (a
 * session never changes owner) and until when it runs. Two uses, neither of which trusts memory
 * about whether a session is still valid:
 * - knownSession: a signed-in API request whose session is known here checks its validity in its
 *   first database call instead of a round trip of its own (lib/auth/sessions.ts). A revoked or
 *   expired session is refused on every instance all the same.
 * - recallSession, only with METERING_FAIL_MODE=open and only while the database is unreachable: a
 *   session found valid here within RECALL_MS still signs in, so a signed-in user can chat on the
 *   emergency allowance. A session revoked during the outage stays usable here until then.
 * Bounded in size (the oldest entry goes first); Clerk's sessions never need it.
 */
const RECALL_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

const recent = new Map<string, { user: User; expiresAt: number; checkedAt: number }>();

export function rememberSession(id: string, user: User, expiresAt: Date): void {
  recent.delete(id); // re-inserted last: the oldest entry is the first to go
  recent.set(id, { user, expiresAt: expiresAt.getTime(), checkedAt: Date.now() });
  if (recent.size > MAX_ENTRIES) recent.delete(recent.keys().next().value!);
}

export function forgetSession(id: string): void {
  recent.delete(id);
}

/** The session's user if this instance has found it valid before and it has not run out since. */
export function knownSession(id: string): User | null {
  const entry = recent.get(id);
  if (!entry || entry.expiresAt <= Date.now()) return null;
  return entry.user;
}

/** The session's user if this instance found it valid within RECALL_MS (fail-open, database unreachable). */
export function recallSession(id: string): User | null {
  const entry = recent.get(id);
  if (!entry || entry.expiresAt <= Date.now() || entry.checkedAt + RECALL_MS <= Date.now()) return null;
  return entry.user;
}
