import "server-only";
import { createAdminStore } from "@/lib/admin/store";
import { createSessionStore } from "@/lib/auth/session-store";
import { createChatStore } from "@/lib/chat/chat-store";
import { createConversationStore } from "@/lib/chat/conversation-store";
import { getRpc } from "@/lib/db/get-rpc";
import type { RpcClient } from "@/lib/db/rpc";
import { createMeteringStore } from "@/lib/metering/store";
import { createRateLimitStore } from "@/lib/rate-limit/rate-limit-store";
import { createUsageStore } from "@/lib/usage/store";

/**
 * The one way to reach the database: a store per domain, each built on the one database port.
 * Route handlers get them from withRoute/withUser; lib functions receive the stores they need as
 * parameters and never build their own. Tests build them on their own port with createStores(rpc).
 */
export function createStores(rpc: RpcClient) {
  return {
    metering: createMeteringStore(rpc),
    conversations: createConversationStore(rpc),
    chat: createChatStore(rpc),
    rateLimits: createRateLimitStore(rpc),
    usage: createUsageStore(rpc),
    admin: createAdminStore(rpc),
    sessions: createSessionStore(rpc),
    /** One cheap round trip (public.ping()): the health check. */
    database: {
      async ping(): Promise<void> {
        await rpc.call("ping", {});
      },
    },
  };
}

export type Stores = ReturnType<typeof createStores>;

let stores: Stores | undefined;

/** The stores on the configured database port (lib/db/get-rpc.ts). */
export function getStores(): Stores {
  stores ??= createStores(getRpc());
  return stores;
}
