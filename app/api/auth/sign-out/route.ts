import { withRoute } from "@/lib/api/handler";
import { clearedSessionCookie } from "@/lib/auth/dev-sign-in";

export const POST = withRoute(async () => new Response(null, { status: 204, headers: { "Set-Cookie": clearedSessionCookie() } }));
