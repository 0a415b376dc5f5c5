import { clearedSessionCookie } from "@/lib/auth/dev-sign-in";

export async function POST() {
  return new Response(null, { status: 204, headers: { "Set-Cookie": clearedSessionCookie() } });
}
