import { noStoreJson, withRoute } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";
import { assertDevSignIn, createDevSession, devSignInSchema } from "@/lib/auth/dev-sign-in";

/** The local dev sign-in: POST { name } starts a session in Postgres and sets its signed, http-only cookie. */
export const POST = withRoute(async ({ request, stores }) => {
  assertDevSignIn();
  const input = devSignInSchema.parse(await readJson(request));
  const { user, cookie } = await createDevSession(input, stores.sessions);
  return noStoreJson({ user }, { headers: { "Set-Cookie": cookie } });
});
