import type pg from "pg";

/**
 * The bench's seeded history in the product schema: accounts `bench_an_000000`… and usage_ledger
 * rows `bench_an_<n>` spread over them (a power law: a few heavy users, many light ones) and over
 * the last `days` days, to now. Tops up: accounts and rows already there count, so the metering
 * comparison (section 2) and admin analytics (section 6) share one seed, each asking for its size.
 * Each chunk is one INSERT, so the rollup trigger runs once per chunk. Needs the database owner.
 */
export type LedgerSeed = { rows: number; users: number; days: number };

export const SEED_PREFIX = "bench_an_";
const CHUNK = 250_000;
const MODELS = ["openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-3.5-haiku", "anthropic/claude-3.5-sonnet", "meta-llama/llama-3.3-70b-instruct", "google/gemini-2.0-flash"];

/** The id of seeded account i (0-based). */
export function seededUserSql(index: string): string {
  return `'${SEED_PREFIX}' || lpad((${index})::text, 6, '0')`;
}

export async function seedLedger(owner: pg.Pool, { rows, users, days }: LedgerSeed, log: (line: string) => void): Promise<void> {
  await owner.query(`insert into public.accounts (user_id) select ${seededUserSql("i")} from generate_series(0, $1::int - 1) i on conflict do nothing`, [users]);
  const { rows: counted } = await owner.query<{ count: string }>("select count(*) from public.usage_ledger where starts_with(request_id, $1)", [SEED_PREFIX]);
  const existing = Number(counted[0]!.count);
  for (let start = existing; start < rows; start += CHUNK) {
    const n = Math.min(CHUNK, rows - start);
    await owner.query(
      `insert into public.usage_ledger (request_id, user_id, model, input_tokens, output_tokens, total_tokens, plan_tokens, balance_tokens, cost_usd, latency_ms, outcome, period, period_start, created_at)
       select '${SEED_PREFIX}' || ($1::int + i), u, m, inp, outp, inp + outp, inp + outp, 0, round((inp * 0.15 + outp * 0.6) / 1000000, 10), 500, 'ok', 'day', date_trunc('day', at), at
       from (
         select i,
                ${seededUserSql("least($3::int - 1, floor(power(random(), 3) * $3::int))::int")} as u,
                ($5::text[])[1 + floor(random() * array_length($5::text[], 1))::int] as m,
                (50 + floor(random() * 2000))::bigint as inp,
                (20 + floor(random() * 800))::bigint as outp,
                now() - random() * ($4::int * interval '1 day') as at
         from generate_series(1, $2::int) i
       ) s`,
      [start, n, users, days, MODELS],
    );
    log(`  seeded ${(start + n).toLocaleString("en-US")} of ${rows.toLocaleString("en-US")} ledger rows`);
  }
}
