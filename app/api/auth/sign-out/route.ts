import { withRoute } from "@/lib/api/handler";
import { assertDevSignIn } from "@/lib/auth/dev-sign-in";
import { signOut } from "@/lib/auth/sessions";

/** Ends the session on the server (every instance refuses the cookie from now on) and clears the cookie. */
export const POST = withRoute(async ({ request, stores }) => {
  assertDevSignIn();
  const cookie = await signOut(request, stores.sessions);
  return new Response(null, { status: 204, headers: { "Set-Cookie": cookie, "Cache-Control": "no-store" } });
});
