import pg from "pg";

export type Durability = "durable" | "fast";

/**
 * Switches the running cluster between durable settings and the ones startLocalPostgres uses with
 * `fast: true` (fsync, synchronous_commit and full_page_writes off). All three take effect on reload.
 */
export async function setDurability(url: string, durability: Durability): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (const setting of ["fsync", "synchronous_commit", "full_page_writes"]) {
      await admin.query(durability === "fast" ? `alter system set ${setting} = off` : `alter system reset ${setting}`);
    }
    await admin.query("select pg_reload_conf()");
  } finally {
    await admin.end();
  }
  await new Promise((resolve) => setTimeout(resolve, 200)); // backends apply the reload on their next command
}

/** The live value of a setting, as a session of `pool` sees it. */
export async function showSetting(pool: pg.Pool, name: "fsync" | "synchronous_commit"): Promise<string> {
  const { rows } = await pool.query<Record<string, string>>(`show ${name}`);
  return rows[0]?.[name] ?? "?";
}
