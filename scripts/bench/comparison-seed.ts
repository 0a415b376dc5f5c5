import type pg from "pg";
import { BASELINE_COPY_SQL, BASELINE_SCHEMA, BASELINE_SCHEMA_SQL } from "./baseline-sql";
import { seedLedger, seededUserSql, SEED_PREFIX } from "./seed-ledger";

/**
 * The shape both metering implementations are measured on (section 1): in the product schema,
 * `accounts` seeded accounts, `ledgerRows` usage_ledger rows over them (scripts/bench/seed-ledger.ts,
 * the generator section 6 uses too), each account's daily usage summed from its rows, and `holds`
 * unexpired holds in flight, one per seeded account (other users than the measured ones). Then the
 * baseline schema is created and gets the same rows (baseline-sql.ts), and both are VACUUM
 * ANALYZEd: the steady state of a live database. Needs the database owner.
 */
export type ComparisonSeed = { accounts: number; holds: number; ledgerRows: number; days: number };

/** Row counts per table, as seeded, for the report: the same shape in both schemas. */
export type SeedCounts = Record<"product" | "baseline", { accounts: number; holds: number; usagePeriods: number; ledger: number }>;

const PRODUCT_TABLES = ["accounts", "reservations", "usage_periods", "usage_ledger", "usage_daily_users", "usage_daily_models", "usage_alerts"];
const BASELINE_TABLES = ["accounts", "holds", "usage_periods", "ledger"];

export async function seedComparison(owner: pg.Pool, seed: ComparisonSeed, log: (line: string) => void): Promise<SeedCounts> {
  await seedLedger(owner, { rows: seed.ledgerRows, users: seed.accounts, days: seed.days }, log);
  await owner.query(
    `insert into public.usage_periods (user_id, period, period_start, plan_tokens_used, updated_at)
     select l.user_id, 'day', l.period_start, sum(l.plan_tokens), max(l.created_at)
     from public.usage_ledger l where starts_with(l.request_id, $1)
     group by l.user_id, l.period_start
     on conflict (user_id, period, period_start) do nothing`,
    [SEED_PREFIX],
  );
  await owner.query(
    `insert into public.reservations (request_id, user_id, tokens, model, period, period_start, created_at, expires_at)
     select 'bench_hold_' || i, ${seededUserSql("(i - 1) % $2::int")}, 100 + (i * 37) % 500, 'openai/gpt-4o-mini', 'day',
            date_trunc('day', now() at time zone 'UTC') at time zone 'UTC', now(), now() + interval '1 day'
     from generate_series(1, $1::int) i
     on conflict do nothing`,
    [seed.holds, seed.accounts],
  );
  await owner.query(BASELINE_SCHEMA_SQL);
  await owner.query(BASELINE_COPY_SQL);
  for (const table of PRODUCT_TABLES) await owner.query(`vacuum analyze public.${table}`);
  for (const table of BASELINE_TABLES) await owner.query(`vacuum analyze ${BASELINE_SCHEMA}.${table}`);

  const count = async (table: string) => Number((await owner.query<{ count: string }>(`select count(*) from ${table}`)).rows[0]!.count);
  return {
    product: {
      accounts: await count("public.accounts"),
      holds: await count("public.reservations"),
      usagePeriods: await count("public.usage_periods"),
      ledger: await count("public.usage_ledger"),
    },
    baseline: {
      accounts: await count(`${BASELINE_SCHEMA}.accounts`),
      holds: await count(`${BASELINE_SCHEMA}.holds`),
      usagePeriods: await count(`${BASELINE_SCHEMA}.usage_periods`),
      ledger: await count(`${BASELINE_SCHEMA}.ledger`),
    },
  };
}
