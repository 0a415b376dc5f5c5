import { randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { migrate } from "../../../scripts/db/migrate";

/**
 * A database of its own in the run's cluster, with every migration and the seed applied: for tests
 * that change what is global (app_settings) and so must not share the run's database with the other
 * test files running at the same time. Dropped by `end()`.
 */
export type IsolatedDatabase = { url: string; owner: pg.Pool; server: pg.Pool; end: () => Promise<void> };

export async function createIsolatedDatabase(): Promise<IsolatedDatabase> {
  const runUrl = inject("databaseUrl");
  const name = `iso_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: runUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = runUrl.replace(/\/[^/?]+(\?.*)?$/, `/${name}`);
  await migrate({ databaseUrl: url, supabaseDir: path.resolve("supabase"), log: () => {} });
  const owner = new pg.Pool({ connectionString: url, max: 4 });
  const server = new pg.Pool({ connectionString: `${url}?options=-c%20role%3Dservice_role`, max: 30 });
  return {
    url,
    owner,
    server,
    end: async () => {
      await Promise.all([owner.end(), server.end()]);
      const drop = new pg.Client({ connectionString: runUrl });
      await drop.connect();
      try {
        await drop.query(`drop database if exists ${name} with (force)`);
      } finally {
        await drop.end();
      }
    },
  };
}
