import { withRoute } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";
import { createDevSession, devSignInSchema } from "@/lib/auth/dev-sign-in";

/** The local dev sign-in: POST { name } sets a signed, http-only session cookie. */
export const POST = withRoute(async ({ request }) => {
  const input = devSignInSchema.parse(await readJson(request));
  const { user, cookie } = createDevSession(input);
  return Response.json({ user }, { headers: { "Set-Cookie": cookie, "Cache-Control": "no-store" } });
});
