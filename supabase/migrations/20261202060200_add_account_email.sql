-- E-mail addresses on accounts, so an admin can find a user by e-mail.
--
-- accounts.email is what the sign-in last said the user's address is: the `email` claim of a Clerk
-- session token (when the session token is customised to carry it, README "Sign-in"), or the
-- address given at the local dev sign-in. It is recorded by record_account_email, from the signed-in
-- layout (at most one write per change: an unchanged address writes nothing). It identifies, it does
-- not authenticate: nothing is ever decided by it.
--
-- admin_search_users now matches q against the user id or the e-mail (case-insensitive, part of
-- either), and both admin_search_users and admin_get_user answer the e-mail.

alter table public.accounts add column email text check (email is null or (pg_catalog.length(email) between 3 and 320 and email like '%@%'));
comment on column public.accounts.email is 'The e-mail the sign-in last reported (Clerk email claim, or the dev sign-in). Informational: search only.';
create index accounts_email_lower_idx on public.accounts (pg_catalog.lower(email)) where email is not null;

-- Creates the account if needed and records the e-mail; writes nothing when it is already that.
create function public.record_account_email(p_user_id text, p_email text, p_now timestamptz default now())
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_email text := pg_catalog.lower(pg_catalog.btrim(p_email));
begin
  perform public.require_text('record_account_email', 'p_user_id', p_user_id);
  if v_email is null or v_email = '' or pg_catalog.length(v_email) > 320 or v_email not like '%_@_%' then
    raise exception using errcode = '22023', message = 'record_account_email: p_email must be an e-mail address';
  end if;
  if exists (select 1 from public.accounts a where a.user_id = p_user_id and a.email = v_email) then
    return;
  end if;
  perform public.ensure_account(p_user_id, coalesce(p_now, pg_catalog.now()));
  update public.accounts a set email = v_email where a.user_id = p_user_id and a.email is distinct from v_email;
end;
$$;
revoke all on function public.record_account_email(text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.record_account_email(text, text, timestamptz) to service_role;

create or replace function public.admin_search_users(
  p_actor text,
  p_query text default null,
  p_plan_id text default null,
  p_limit integer default 50,
  p_cursor text default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_pattern text;
  v_items jsonb;
  v_count integer;
begin
  perform public.require_admin('admin_search_users', p_actor);
  perform public.check_limit('admin_search_users', p_limit);
  if p_query is not null and pg_catalog.btrim(p_query) <> '' then
    v_pattern := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.btrim(p_query), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  end if;

  select pg_catalog.jsonb_agg(
      public.build_token_status(a.user_id, v_now) || pg_catalog.jsonb_build_object(
        'is_admin', a.is_admin,
        'email', a.email,
        'cap_override', a.cap_override,
        'created_at', public.format_timestamp(a.created_at),
        'last_active_at', public.format_timestamp(a.last_active_at)
      ) order by a.user_id),
    pg_catalog.count(*)
  into v_items, v_count
  from (
    select a.* from public.accounts a
    where (v_pattern is null or a.user_id ilike v_pattern or a.email ilike v_pattern)
      and (p_plan_id is null or a.plan_id = p_plan_id)
      and (p_cursor is null or a.user_id > p_cursor)
    order by a.user_id
    limit p_limit + 1
  ) a;

  v_items := coalesce(v_items, '[]'::jsonb);
  if v_count > p_limit then
    v_items := v_items - p_limit;
    return pg_catalog.jsonb_build_object('items', v_items, 'next_cursor', v_items -> (p_limit - 1) ->> 'user_id');
  end if;
  return pg_catalog.jsonb_build_object('items', v_items, 'next_cursor', null);
end;
$$;

create or replace function public.admin_get_user(p_actor text, p_user_id text, p_limit integer default 20, p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_account public.accounts;
begin
  perform public.require_admin('admin_get_user', p_actor);
  perform public.require_text('admin_get_user', 'p_user_id', p_user_id);
  perform public.check_limit('admin_get_user', p_limit);
  select a.* into v_account from public.accounts a where a.user_id = p_user_id;
  if not found then
    raise exception using errcode = 'P0002', message = pg_catalog.format('No account for user %s.', p_user_id);
  end if;

  return public.build_token_status(p_user_id, v_now) || pg_catalog.jsonb_build_object(
    'is_admin', v_account.is_admin,
    'email', v_account.email,
    'cap_override', v_account.cap_override,
    'created_at', public.format_timestamp(v_account.created_at),
    'last_active_at', public.format_timestamp(v_account.last_active_at),
    'balance_ledger', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', b.id, 'delta', b.delta, 'kind', b.kind, 'reason', b.reason, 'payment_ref', b.payment_ref,
          'request_id', b.request_id, 'actor', b.actor, 'created_at', public.format_timestamp(b.created_at)
        ) order by b.created_at desc, b.id desc)
      from (
        select b.* from public.balance_ledger b where b.user_id = p_user_id
        order by b.created_at desc, b.id desc limit p_limit
      ) b), '[]'::jsonb),
    'usage', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', u.id, 'request_id', u.request_id, 'model', u.model, 'input_tokens', u.input_tokens,
          'output_tokens', u.output_tokens, 'total_tokens', u.total_tokens, 'plan_tokens', u.plan_tokens,
          'balance_tokens', u.balance_tokens, 'cost_usd', u.cost_usd, 'outcome', u.outcome,
          'created_at', public.format_timestamp(u.created_at)
        ) order by u.created_at desc, u.id desc)
      from (
        select u.* from public.usage_ledger u where u.user_id = p_user_id
        order by u.created_at desc, u.id desc limit p_limit
      ) u), '[]'::jsonb)
  );
end;
$$;
