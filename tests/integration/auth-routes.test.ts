import { beforeAll, describe, expect, it } from "vitest";
import { useAppEnv } from "./helpers/app";

let SIGN_IN: (request: Request) => Promise<Response>;
let SIGN_OUT: (request: Request) => Promise<Response>;
let GET_STATUS: (request: Request) => Promise<Response>;

beforeAll(async () => {
  useAppEnv();
  ({ POST: SIGN_IN } = await import("@/app/api/auth/sign-in/route"));
  ({ POST: SIGN_OUT } = await import("@/app/api/auth/sign-out/route"));
  ({ GET: GET_STATUS } = await import("@/app/api/tokens/current/route"));
});

const signIn = (body: string) =>
  SIGN_IN(new Request("http://localhost:3000/api/auth/sign-in", { method: "POST", headers: { "content-type": "application/json" }, body }));

describe("dev sign-in", () => {
  it("sets a signed, http-only session cookie that signs the user in", async () => {
    const response = await signIn(JSON.stringify({ name: "Ada Lovelace" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: { id: "dev_ada_lovelace", name: "Ada Lovelace" } });
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^tm_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
    const session = cookie.split(";")[0]!;
    const status = await GET_STATUS(new Request("http://localhost:3000/api/tokens/current", { headers: { cookie: session } }));
    expect(status.status).toBe(200);
  });

  it.each([
    ["an empty name", JSON.stringify({ name: "  " }), "name"],
    ["a missing name", JSON.stringify({}), "name"],
    ["markup in the name", JSON.stringify({ name: "<script>" }), "name"],
    ["invalid JSON", "{", "(body)"],
  ])("400 naming the field for %s", async (_, body, field) => {
    const response = await signIn(body);
    expect(response.status).toBe(400);
    const json = await response.json();
    expect(json.error.code).toBe("bad_request");
    expect(json.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a body that is not declared as JSON (e.g. a cross-site form post)", async () => {
    const response = await SIGN_IN(
      new Request("http://localhost:3000/api/auth/sign-in", { method: "POST", headers: { "content-type": "text/plain" }, body: '{"name":"Eve"}' }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("a malformed session cookie is no session (401), not a server error", async () => {
    const response = await GET_STATUS(new Request("http://localhost:3000/api/tokens/current", { headers: { cookie: "tm_session=%E0%A4%A" } }));
    expect(response.status).toBe(401);
  });

  it("sign-out clears the cookie", async () => {
    const response = await SIGN_OUT(new Request("http://localhost:3000/api/auth/sign-out", { method: "POST" }));
    expect(response.status).toBe(204);
    expect(response.headers.get("set-cookie")).toMatch(/^tm_session=; .*Max-Age=0/);
  });
});
