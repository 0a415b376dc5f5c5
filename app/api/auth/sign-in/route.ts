import { createDevSession, devSignInSchema } from "@/lib/auth/dev-sign-in";
import { errorResponse, readJson } from "@/lib/http";

/** The local dev sign-in: POST { name } sets a signed, http-only session cookie. */
export async function POST(request: Request) {
  try {
    const input = devSignInSchema.parse(await readJson(request));
    const { user, cookie } = createDevSession(input);
    return Response.json({ user }, { headers: { "Set-Cookie": cookie, "Cache-Control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
