import "server-only";
import { getEnv } from "@/lib/env";

/** Development only: production must set SESSION_SECRET (lib/env.ts refuses to start without it). */
const DEVELOPMENT_SECRET = "tokenmeter-development-session-secret-not-for-production";

export function getSessionSecret(): string {
  return getEnv().SESSION_SECRET ?? DEVELOPMENT_SECRET;
}
