import { afterAll, describe, expect, it } from "vitest";
import { asRole, createTestPool } from "./helpers/db";

const pool = createTestPool(4);
afterAll(() => pool.end());

describe("local Supabase bootstrap", () => {
  it("creates the API roles Supabase has", async () => {
    const { rows } = await pool.query<{ rolname: string; rolbypassrls: boolean; rolcanlogin: boolean }>(
      "select rolname, rolbypassrls, rolcanlogin from pg_roles where rolname in ('anon','authenticated','service_role','authenticator') order by rolname",
    );
    expect(rows).toEqual([
      { rolname: "anon", rolbypassrls: false, rolcanlogin: false },
      { rolname: "authenticated", rolbypassrls: false, rolcanlogin: false },
      { rolname: "authenticator", rolbypassrls: false, rolcanlogin: true },
      { rolname: "service_role", rolbypassrls: true, rolcanlogin: false },
    ]);
  });

  it.each(["anon", "authenticated"] as const)("auth.jwt()->>'sub' returns the subject as %s", async (role) => {
    const sub = `user_${role}_123`;
    const row = await asRole(pool, role, { sub, role }, async (c) => (await c.query("select auth.jwt()->>'sub' as sub, auth.role() as role, current_user as who")).rows[0]);
    expect(row).toEqual({ sub, role, who: role });
  });

  it("an empty claims setting gives NULL, not an error", async () => {
    const row = await asRole(pool, "anon", null, async (c) => (await c.query("select auth.jwt() as jwt, auth.jwt()->>'sub' as sub, auth.role() as role")).rows[0]);
    expect(row).toEqual({ jwt: null, sub: null, role: null });
  });

  it("an absent claims setting gives NULL too", async () => {
    const client = await pool.connect();
    try {
      await client.query("begin; set local role authenticated");
      const { rows } = await client.query("select auth.jwt() as jwt");
      expect(rows[0]).toEqual({ jwt: null });
    } finally {
      await client.query("rollback");
      client.release();
    }
  });

  it("auth.uid() casts a uuid subject like Supabase does", async () => {
    const sub = "6a7c2f9e-0b5e-4b8e-9d0a-3f1c2b4d5e6f";
    const row = await asRole(pool, "authenticated", { sub }, async (c) => (await c.query("select auth.uid()::text as uid")).rows[0]);
    expect(row).toEqual({ uid: sub });
  });

  it("grants new public tables to the API roles by default, as Supabase does", async () => {
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("create table public.bootstrap_probe (id int)");
      const { rows } = await client.query<{ grantee: string }>(
        "select distinct grantee from information_schema.role_table_grants where table_name = 'bootstrap_probe' and grantee in ('anon','authenticated','service_role') order by grantee",
      );
      expect(rows.map((r) => r.grantee)).toEqual(["anon", "authenticated", "service_role"]);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});
