import "server-only";
import { z } from "zod";
import { parseDbResult } from "@/lib/db/parse-result";
import type { RpcClient } from "@/lib/db/rpc";

export const sessionSchema = z.object({
  user_id: z.string().min(1),
  name: z.string().min(1),
  created_at: z.string(),
  expires_at: z.string(),
});
export type Session = z.infer<typeof sessionSchema>;

/**
 * The session store: sign-in sessions in Postgres (public.sessions), shared by every server
 * instance. Ids are SHA-256 hashes of the cookie's token (lib/auth/session-token.ts).
 */
export function createSessionStore(rpc: RpcClient) {
  return {
    async create(input: { id: string; userId: string; name: string; ttlSeconds: number }): Promise<Session> {
      const result = await rpc.call("create_session", {
        p_id: input.id,
        p_user_id: input.userId,
        p_name: input.name,
        p_ttl_seconds: input.ttlSeconds,
      });
      return parseDbResult(sessionSchema, result);
    },

    /** The session if it is neither revoked nor expired; null otherwise. One round trip. */
    async find(id: string): Promise<Session | null> {
      return parseDbResult(sessionSchema.nullable(), await rpc.call("find_session", { p_id: id }));
    },

    /**
     * Raises 401 `unauthorized` unless the session is this user's and valid; one round trip. Usually
     * it rides on a request's first call instead (lib/auth/sessions.ts findRequestSession).
     */
    async require(id: string, userId: string): Promise<void> {
      await rpc.call("require_session", { p_id: id, p_user_id: userId });
    },

    /** Ends one session (sign-out); true when it was valid until now. Idempotent. */
    async revoke(id: string): Promise<boolean> {
      return parseDbResult(z.object({ revoked: z.boolean() }), await rpc.call("revoke_session", { p_id: id })).revoked;
    },

    /**
     * A signed-in user has an account from then on (the admin console finds them), with the e-mail the
     * sign-in reported, if any. Writes nothing when both are already so. (The dev sign-in's session
     * row creates the account by itself; Clerk has no session row of ours.)
     */
    async recordSignIn(userId: string, email?: string): Promise<void> {
      await rpc.call("record_sign_in", { p_user_id: userId, p_email: email });
    },

    /** Ends every valid session of a user (sign out everywhere); how many there were. */
    async revokeAllForUser(userId: string): Promise<number> {
      return parseDbResult(z.object({ revoked: z.number().int() }), await rpc.call("revoke_user_sessions", { p_user_id: userId })).revoked;
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
