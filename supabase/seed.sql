-- Local development data. Applied by the migration runner on every local start and by
-- `supabase db reset` on the CLI. Must stay idempotent. Product data that production needs
-- (plans, models) lives in migrations, not here.
select 1;
