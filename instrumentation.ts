/** Runs once when a Next.js server starts: stop at once on bad configuration, with one clear line. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { assertEnv } = await import("@/lib/env");
  assertEnv();
}
