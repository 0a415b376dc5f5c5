-- Admin, part 1 of 2: who is an admin, the audit log, and the helpers every admin function uses.
--
-- * Who is an admin lives in the database: public.accounts.is_admin (created with the table in
--   ..._create_metering.sql, default false; this file does not add it again). It is bootstrapped
--   from the server's ADMIN_USER_IDS by bootstrap_admins / get_admin_status (below).
-- * Every admin write goes through a SECURITY DEFINER function that checks the actor, validates,
--   applies the change and writes exactly one row here, in one transaction.
-- * app_settings gains balance_expiry_days (stored and editable; not enforced yet: no expiry job).
--
-- Conventions as in ..._create_metering_functions.sql: search_path = '', every name qualified; bad
-- input raises 22023 with a message naming the function and the field; a non-admin actor raises
-- 42501; internal helpers are SECURITY INVOKER and granted to nobody.

-- ---------------------------------------------------------------------------------------------
-- The audit log (RLS enabled as it is created; nobody writes it directly, nobody may change it)
-- ---------------------------------------------------------------------------------------------
create table public.admin_audit (
  id bigint generated always as identity primary key,
  -- The admin's user id, or 'system:ADMIN_USER_IDS' for the bootstrap.
  actor text not null check (pg_catalog.length(actor) > 0),
  action text not null check (action ~ '^[a-z][a-z_]*$'),
  target_user_id text,
  -- What was changed: 'account:<user id>', 'plan:<id>', 'model:<id>', 'app_settings'.
  target text not null check (pg_catalog.length(target) > 0),
  old_value jsonb,
  new_value jsonb,
  reason text,
  created_at timestamptz not null default now()
);
alter table public.admin_audit enable row level security;
create index admin_audit_actor_id_idx on public.admin_audit (actor, id desc);
create index admin_audit_target_user_id_id_idx on public.admin_audit (target_user_id, id desc) where target_user_id is not null;
create index admin_audit_action_id_idx on public.admin_audit (action, id desc);
create index admin_audit_created_at_idx on public.admin_audit (created_at desc, id desc);
comment on table public.admin_audit is
  'Append-only. One row per admin action: who (actor), when, what (action, target, target_user_id), old and new value, reason. Written only by the admin_* functions.';

-- anon and authenticated: nothing (no policy either). service_role: SELECT only.
revoke all on table public.admin_audit from anon, authenticated;
revoke all on sequence public.admin_audit_id_seq from anon, authenticated;
revoke insert, update, delete, truncate on table public.admin_audit from service_role;

create trigger admin_audit_append_only before update or delete on public.admin_audit
  for each row execute function public.reject_ledger_change();
create trigger admin_audit_no_truncate before truncate on public.admin_audit
  for each statement execute function public.reject_ledger_change();

-- ---------------------------------------------------------------------------------------------
-- Settings: balance inactivity expiry (null = balances never expire). Stored only for now.
-- ---------------------------------------------------------------------------------------------
alter table public.app_settings
  add column balance_expiry_days integer check (balance_expiry_days is null or balance_expiry_days between 1 and 3650);
comment on column public.app_settings.balance_expiry_days is
  'Days of inactivity after which a prepaid balance would expire (an ''expiry'' row in balance_ledger). Null: never. Stored and editable; not enforced yet.';

-- ---------------------------------------------------------------------------------------------
-- Helpers (internal)
-- ---------------------------------------------------------------------------------------------

-- Raises 42501 unless p_actor is an account with is_admin. Locks nothing.
create function public.require_admin(p_function text, p_actor text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  perform public.require_text(p_function, 'p_actor', p_actor);
  if not exists (select 1 from public.accounts a where a.user_id = p_actor and a.is_admin) then
    raise exception using errcode = '42501', message = pg_catalog.format('%s: %s is not an admin', p_function, p_actor);
  end if;
end;
$$;
revoke all on function public.require_admin(text, text) from public, anon, authenticated, service_role;

-- Null, or a non-blank reason of at most 500 characters.
create function public.check_reason(p_function text, p_reason text, p_required boolean)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_reason is null or pg_catalog.btrim(p_reason) = '' then
    if p_required then
      raise exception using errcode = '22023', message = pg_catalog.format('%s: p_reason must be a non-empty string', p_function);
    end if;
    return null;
  end if;
  if pg_catalog.length(p_reason) > 500 then
    raise exception using errcode = '22023', message = pg_catalog.format('%s: p_reason must be at most 500 characters', p_function);
  end if;
  return pg_catalog.btrim(p_reason);
end;
$$;
revoke all on function public.check_reason(text, text, boolean) from public, anon, authenticated, service_role;

-- Writes one audit row; returns its id.
create function public.write_admin_audit(
  p_actor text,
  p_action text,
  p_target_user_id text,
  p_target text,
  p_old jsonb,
  p_new jsonb,
  p_reason text,
  p_now timestamptz
)
returns bigint
language sql
volatile
set search_path = ''
as $$
  insert into public.admin_audit (actor, action, target_user_id, target, old_value, new_value, reason, created_at)
  values (p_actor, p_action, p_target_user_id, p_target, p_old, p_new, p_reason, p_now)
  returning id
$$;
revoke all on function public.write_admin_audit(text, text, text, text, jsonb, jsonb, text, timestamptz) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Bootstrap: marks the given users admins, creating their accounts if needed. Idempotent and safe
-- on many instances at once (ensure_account is race-safe; the update locks the row; an audit row
-- is written only by the call that actually flips the flag). Returns the ids it promoted.
-- ---------------------------------------------------------------------------------------------
create function public.bootstrap_admins(p_user_ids text[], p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_id text;
  v_promoted text[] := '{}';
begin
  if p_user_ids is null then
    raise exception using errcode = '22023', message = 'bootstrap_admins: p_user_ids must be an array of user ids';
  end if;
  foreach v_id in array p_user_ids loop
    perform public.require_text('bootstrap_admins', 'p_user_ids', v_id);
    perform public.ensure_account(v_id, v_now);
    update public.accounts a set is_admin = true where a.user_id = v_id and not a.is_admin;
    if found then
      perform public.write_admin_audit('system:ADMIN_USER_IDS', 'bootstrap_admin', v_id, 'account:' || v_id,
        pg_catalog.jsonb_build_object('is_admin', false), pg_catalog.jsonb_build_object('is_admin', true),
        'listed in ADMIN_USER_IDS', v_now);
      v_promoted := v_promoted || v_id;
    end if;
  end loop;
  return pg_catalog.jsonb_build_object('ok', true, 'promoted', pg_catalog.to_jsonb(v_promoted));
end;
$$;
comment on function public.bootstrap_admins(text[], timestamptz) is
  'Marks the users admins (accounts.is_admin), creating accounts if needed; audited; idempotent (server only).';
revoke all on function public.bootstrap_admins(text[], timestamptz) from public, anon, authenticated;
grant execute on function public.bootstrap_admins(text[], timestamptz) to service_role;

-- withAdmin's one call: { is_admin }. p_bootstrap = true when the server's ADMIN_USER_IDS lists the
-- user; then the user is made an admin first (bootstrap_admins; writes nothing when already one).
create function public.get_admin_status(p_user_id text, p_bootstrap boolean default false)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.require_text('get_admin_status', 'p_user_id', p_user_id);
  if coalesce(p_bootstrap, false)
    and not exists (select 1 from public.accounts a where a.user_id = p_user_id and a.is_admin) then
    perform public.bootstrap_admins(array[p_user_id]);
  end if;
  return pg_catalog.jsonb_build_object(
    'user_id', p_user_id,
    'is_admin', coalesce((select a.is_admin from public.accounts a where a.user_id = p_user_id), false)
  );
end;
$$;
comment on function public.get_admin_status(text, boolean) is
  'Whether the user is an admin; with p_bootstrap, makes them one first (ADMIN_USER_IDS). Server only.';
revoke all on function public.get_admin_status(text, boolean) from public, anon, authenticated;
grant execute on function public.get_admin_status(text, boolean) to service_role;
