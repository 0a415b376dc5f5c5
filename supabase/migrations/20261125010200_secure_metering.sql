-- Metering core, part 3 of 3: who may read and write what.
--
-- Supabase (and supabase/local/bootstrap.sql) grant ALL on every new public table to anon,
-- authenticated and service_role. Here:
--   * anon: nothing at all.
--   * authenticated: SELECT only, and RLS limits it to the user's own rows (plans and models: all
--     rows; app_settings: nothing). No write policies exist; the write privileges are revoked too.
--   * service_role (the server; it bypasses RLS): full access to plans, models, app_settings and
--     reservations; SELECT on usage_periods and the ledgers; on accounts every column but balance.
--     The ledgers and balances change only through the SECURITY DEFINER functions, which keeps
--     accounts.balance = sum(balance_ledger.delta).
--   * The ledgers are append-only for everyone, owner included: a trigger rejects UPDATE, DELETE
--     and TRUNCATE.

-- ---------------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------------
revoke all on table
  public.plans, public.models, public.app_settings, public.accounts, public.usage_periods,
  public.reservations, public.usage_ledger, public.balance_ledger, public.account_events
from anon, authenticated;

grant select on table
  public.plans, public.models, public.accounts, public.usage_periods,
  public.reservations, public.usage_ledger, public.balance_ledger, public.account_events
to authenticated;

revoke all on sequence
  public.usage_ledger_id_seq, public.balance_ledger_id_seq, public.account_events_id_seq
from anon, authenticated;

revoke insert, update, delete, truncate on table
  public.usage_ledger, public.balance_ledger, public.account_events
from service_role;

-- The server may create accounts and change plan, cap override, admin flag and activity directly,
-- but never the balance (only admin_grant_tokens, admin_top_up and settle_tokens, with a ledger row).
revoke insert, update on table public.accounts from service_role;
grant insert (user_id, plan_id, cap_override, is_admin, created_at, last_active_at) on table public.accounts to service_role;
grant update (plan_id, cap_override, is_admin, last_active_at) on table public.accounts to service_role;

-- Usage is written only by settle_tokens: the server cannot reset or edit it directly (no unaudited
-- "free tokens"); an admin who must correct usage does it with a grant, which the ledger records.
revoke insert, update, delete, truncate on table public.usage_periods from service_role;

-- ---------------------------------------------------------------------------------------------
-- Row Level Security policies (RLS is enabled on every table in ..._create_metering.sql).
-- The subject is read as Supabase does with Clerk: (select auth.jwt()->>'sub'), evaluated once per
-- statement. Every filtered column leads an index (accounts pk, usage_periods pk, and the
-- (user_id, ...) indexes on the other tables).
-- ---------------------------------------------------------------------------------------------
create policy "plans are readable by signed-in users"
  on public.plans for select to authenticated
  using (true);

create policy "models are readable by signed-in users"
  on public.models for select to authenticated
  using (true);

-- app_settings: no policy; only the server reads it.

create policy "users read their own account"
  on public.accounts for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

create policy "users read their own usage periods"
  on public.usage_periods for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

create policy "users read their own reservations"
  on public.reservations for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

create policy "users read their own usage"
  on public.usage_ledger for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

create policy "users read their own balance ledger"
  on public.balance_ledger for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

create policy "users read their own account events"
  on public.account_events for select to authenticated
  using (user_id = (select auth.jwt() ->> 'sub'));

-- ---------------------------------------------------------------------------------------------
-- Append-only ledgers
-- ---------------------------------------------------------------------------------------------
create function public.reject_ledger_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using
    errcode = '55000',
    message = pg_catalog.format('%s is append-only: %s is not allowed', tg_table_name, tg_op);
end;
$$;
comment on function public.reject_ledger_change() is 'Trigger: rejects UPDATE, DELETE and TRUNCATE on the append-only ledgers, whoever runs them.';
revoke all on function public.reject_ledger_change() from public, anon, authenticated, service_role;

create trigger usage_ledger_append_only before update or delete on public.usage_ledger
  for each row execute function public.reject_ledger_change();
create trigger usage_ledger_no_truncate before truncate on public.usage_ledger
  for each statement execute function public.reject_ledger_change();

create trigger balance_ledger_append_only before update or delete on public.balance_ledger
  for each row execute function public.reject_ledger_change();
create trigger balance_ledger_no_truncate before truncate on public.balance_ledger
  for each statement execute function public.reject_ledger_change();

create trigger account_events_append_only before update or delete on public.account_events
  for each row execute function public.reject_ledger_change();
create trigger account_events_no_truncate before truncate on public.account_events
  for each statement execute function public.reject_ledger_change();

-- plans.updated_at follows edits.
create function public.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;
revoke all on function public.set_updated_at() from public, anon, authenticated, service_role;

create trigger plans_set_updated_at before update on public.plans
  for each row execute function public.set_updated_at();
create trigger app_settings_set_updated_at before update on public.app_settings
  for each row execute function public.set_updated_at();
