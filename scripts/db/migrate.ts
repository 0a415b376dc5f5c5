import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/**
 * Our migration runner. Applies supabase/migrations/<version>_<name>.sql in version order, each once,
 * each in its own transaction, and records it in supabase_migrations.schema_migrations: the same table
 * the Supabase CLI uses, so `supabase db push` and this runner agree on what has been applied.
 * Holds an advisory lock, so several instances starting at once apply each migration exactly once.
 */

export const MIGRATION_FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;
const LOCK_KEY = 7_202_611_250; // any constant; only this runner takes it
const BOOTSTRAP_MARKER = "tokenmeter local bootstrap";

export type MigrateOptions = {
  databaseUrl: string;
  supabaseDir?: string;
  /** Apply seed.sql after the migrations (local development). */
  seed?: boolean;
  log?: (line: string) => void;
};

export type MigrateResult = { bootstrapped: boolean; applied: string[]; seeded: boolean };

export class MigrationError extends Error {
  constructor(readonly file: string, cause: unknown) {
    super(`Migration ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "MigrationError";
  }
}

export async function listMigrations(dir: string): Promise<{ version: string; name: string; file: string }[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  return files.map((file) => {
    const match = MIGRATION_FILE.exec(file);
    if (!match) throw new MigrationError(file, new Error("file name must be <14-digit timestamp>_<verb>_<noun>.sql"));
    return { version: match[1]!, name: match[2]!, file };
  });
}

export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const supabaseDir = options.supabaseDir ?? path.resolve("supabase");
  const log = options.log ?? (() => {});
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [LOCK_KEY]);
    const bootstrapped = await applyBootstrapIfLocal(client, supabaseDir, log);
    await client.query(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (
        version text primary key,
        statements text[],
        name text
      );
    `);
    const done = new Set(
      (await client.query<{ version: string }>("select version from supabase_migrations.schema_migrations")).rows.map((r) => r.version),
    );
    const applied: string[] = [];
    for (const migration of await listMigrations(path.join(supabaseDir, "migrations"))) {
      if (done.has(migration.version)) continue;
      const sql = await readFile(path.join(supabaseDir, "migrations", migration.file), "utf8");
      try {
        await client.query("begin");
        await client.query(sql);
        await client.query("insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)", [
          migration.version,
          [sql],
          migration.name,
        ]);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw new MigrationError(migration.file, error);
      }
      applied.push(migration.file);
      log(`applied ${migration.file}`);
    }
    let seeded = false;
    if (options.seed) {
      const seedSql = await readFile(path.join(supabaseDir, "seed.sql"), "utf8");
      try {
        await client.query(seedSql);
      } catch (error) {
        throw new MigrationError("seed.sql", error);
      }
      seeded = true;
    }
    return { bootstrapped, applied, seeded };
  } finally {
    await client.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

/** The local bootstrap runs only where schema auth is absent or was made by the bootstrap itself. */
async function applyBootstrapIfLocal(client: pg.Client, supabaseDir: string, log: (line: string) => void): Promise<boolean> {
  const { rows } = await client.query<{ exists: boolean; comment: string | null }>(
    "select to_regnamespace('auth') is not null as exists, obj_description(to_regnamespace('auth'), 'pg_namespace') as comment",
  );
  const row = rows[0]!;
  if (row.exists && row.comment !== BOOTSTRAP_MARKER) return false;
  const sql = await readFile(path.join(supabaseDir, "local", "bootstrap.sql"), "utf8");
  try {
    await client.query(sql);
  } catch (error) {
    throw new MigrationError("local/bootstrap.sql", error);
  }
  if (!row.exists) log("applied local bootstrap (Supabase roles and auth.jwt())");
  return true;
}
