import { randomUUID } from "node:crypto";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrate, MigrationError } from "../../scripts/db/migrate";
import { removeTree } from "../../scripts/db/processes.mjs";
import { makeTempDir } from "../../scripts/db/temp-dirs";

const adminUrl = inject("databaseUrl");
const admin = new pg.Pool({ connectionString: adminUrl, max: 2 });
afterAll(() => admin.end());

/** A fresh database in the run's cluster and a supabase/ folder with the given migrations. */
async function fixture(migrations: Record<string, string>, seed = "select 1;") {
  const name = `mig_${randomUUID().replaceAll("-", "")}`;
  await admin.query(`create database ${name}`);
  const dir = makeTempDir("mig");
  mkdirSync(path.join(dir, "migrations"));
  mkdirSync(path.join(dir, "local"));
  cpSync(path.resolve("supabase/local/bootstrap.sql"), path.join(dir, "local", "bootstrap.sql"));
  for (const [file, sql] of Object.entries(migrations)) writeFileSync(path.join(dir, "migrations", file), sql);
  writeFileSync(path.join(dir, "seed.sql"), seed);
  const url = adminUrl.replace(/\/[^/]+$/, `/${name}`);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    url,
    dir,
    pool,
    end: async () => {
      await pool.end();
      await removeTree(dir);
    },
  };
}

describe("migration runner", () => {
  it("applies pending migrations in order, once, and records them where the Supabase CLI does", async () => {
    const f = await fixture({
      "20260101000002_add_column.sql": "alter table public.things add column label text;",
      "20260101000001_create_things.sql": "create table public.things (id int primary key);",
    });
    try {
      const first = await migrate({ databaseUrl: f.url, supabaseDir: f.dir });
      expect(first).toEqual({
        bootstrapped: true,
        applied: ["20260101000001_create_things.sql", "20260101000002_add_column.sql"],
        seeded: false,
      });
      const second = await migrate({ databaseUrl: f.url, supabaseDir: f.dir });
      expect(second.applied).toEqual([]);
      const { rows } = await f.pool.query("select version, name from supabase_migrations.schema_migrations order by version");
      expect(rows).toEqual([
        { version: "20260101000001", name: "create_things" },
        { version: "20260101000002", name: "add_column" },
      ]);
      await f.pool.query("insert into public.things (id, label) values (1, 'x')");
    } finally {
      await f.end();
    }
  });

  it("rolls back a failing migration, names the file, and keeps the earlier ones", async () => {
    const f = await fixture({
      "20260101000001_create_things.sql": "create table public.things (id int primary key);",
      "20260101000002_break_things.sql": "create table public.half (id int); select * from public.missing_table;",
    });
    try {
      const error = await migrate({ databaseUrl: f.url, supabaseDir: f.dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).message).toMatch(/^Migration 20260101000002_break_things\.sql failed: .*missing_table/);
      const { rows } = await f.pool.query("select to_regclass('public.things') as things, to_regclass('public.half') as half");
      expect(rows[0]).toEqual({ things: "things", half: null });
      const versions = await f.pool.query("select version from supabase_migrations.schema_migrations");
      expect(versions.rows).toEqual([{ version: "20260101000001" }]);
    } finally {
      await f.end();
    }
  });

  it("applies each migration exactly once when several instances start together", async () => {
    const f = await fixture({
      "20260101000001_create_counter.sql": "create table public.counter (n int); insert into public.counter values (1);",
      "20260101000002_bump_counter.sql": "update public.counter set n = n + 1;",
    });
    try {
      const results = await Promise.all([1, 2, 3, 4].map(() => migrate({ databaseUrl: f.url, supabaseDir: f.dir })));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(["20260101000001_create_counter.sql", "20260101000002_bump_counter.sql"]);
      expect((await f.pool.query("select n from public.counter")).rows).toEqual([{ n: 2 }]);
    } finally {
      await f.end();
    }
  });

  it("never applies the local bootstrap where schema auth already exists (a hosted Supabase project)", async () => {
    const f = await fixture({ "20260101000001_create_things.sql": "create table public.things (id int);" });
    try {
      await f.pool.query("create schema auth; comment on schema auth is 'Supabase auth'");
      const result = await migrate({ databaseUrl: f.url, supabaseDir: f.dir });
      expect(result.bootstrapped).toBe(false);
      expect((await f.pool.query("select to_regprocedure('auth.jwt()') as fn")).rows[0]).toEqual({ fn: null });
    } finally {
      await f.end();
    }
  });

  it("applies the seed when asked, and it may run again", async () => {
    const f = await fixture(
      { "20260101000001_create_things.sql": "create table public.things (id int primary key);" },
      "insert into public.things values (7) on conflict do nothing;",
    );
    try {
      await migrate({ databaseUrl: f.url, supabaseDir: f.dir, seed: true });
      const again = await migrate({ databaseUrl: f.url, supabaseDir: f.dir, seed: true });
      expect(again).toEqual({ bootstrapped: true, applied: [], seeded: true });
      expect((await f.pool.query("select id from public.things")).rows).toEqual([{ id: 7 }]);
    } finally {
      await f.end();
    }
  });

  it("refuses a migration file whose name is not <timestamp>_<name>.sql", async () => {
    const f = await fixture({ "create_things.sql": "select 1;" });
    try {
      await expect(migrate({ databaseUrl: f.url, supabaseDir: f.dir })).rejects.toThrow(/create_things\.sql.*14-digit timestamp/);
    } finally {
      await f.end();
    }
  });
});
