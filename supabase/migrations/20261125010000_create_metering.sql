-- Metering core, part 1 of 3: tables, seed data (plans, model catalogue, settings).
-- Part 2 (..._create_metering_functions.sql) holds the RPC functions that are the only writers of
-- usage and balances; part 3 (..._secure_metering.sql) holds RLS policies, grants and the
-- append-only guards. Row Level Security is enabled here, as each table is created, so no table
-- exists for a moment without it (Supabase's default grants give anon and authenticated ALL on
-- every new public table).

-- Plans: what a subscription allows. Editing token_cap takes effect on the very next reserve.
create table public.plans (
  id text primary key check (id ~ '^[a-z][a-z0-9_]*$'),
  display_name text not null check (pg_catalog.length(pg_catalog.btrim(display_name)) > 0),
  period text not null check (period in ('day', 'month')),
  token_cap bigint not null check (token_cap >= 0),
  model_tiers text[] not null default '{}' check (model_tiers <@ array['basic', 'advanced', 'premium']::text[]),
  max_output_tokens integer not null check (max_output_tokens > 0),
  sort_order integer not null default 0,
  updated_at timestamptz not null default now()
);
alter table public.plans enable row level security;
comment on table public.plans is 'Subscription plans: a token allowance per UTC day or UTC month, and the model tiers it unlocks.';

insert into public.plans (id, display_name, period, token_cap, model_tiers, max_output_tokens, sort_order) values
  ('free', 'Free', 'day', 40000, array['basic'], 2048, 10),
  ('pro', 'Pro', 'month', 1500000, array['basic', 'advanced'], 8192, 20),
  ('max', 'Max', 'month', 1500000, array['basic', 'advanced', 'premium'], 16384, 30);

-- The model catalogue (OpenRouter ids). Prices are USD per million tokens.
create table public.models (
  id text primary key check (pg_catalog.length(id) > 0),
  display_name text not null check (pg_catalog.length(pg_catalog.btrim(display_name)) > 0),
  tier text not null check (tier in ('basic', 'advanced', 'premium')),
  context_window integer not null check (context_window > 0),
  input_price_per_mtok numeric(12, 6) not null check (input_price_per_mtok >= 0),
  output_price_per_mtok numeric(12, 6) not null check (output_price_per_mtok >= 0),
  -- How many of the provider's tokens one of ours (o200k) may become, for holding a prompt safely.
  prompt_token_factor numeric(4, 2) not null default 1.00 check (prompt_token_factor between 1 and 4),
  enabled boolean not null default true,
  sort_order integer not null default 0
);
alter table public.models enable row level security;
comment on table public.models is 'Model catalogue: OpenRouter model ids, the plan tier each needs, context window and USD price per million tokens.';

-- prompt_token_factor: a safety margin for providers whose tokenizers count more than o200k does
-- (Claude and Llama prompts count roughly 10-25% more); admins tune it per model.
insert into public.models (id, display_name, tier, context_window, input_price_per_mtok, output_price_per_mtok, prompt_token_factor, sort_order) values
  ('openai/gpt-4o-mini', 'GPT-4o mini', 'basic', 128000, 0.15, 0.60, 1.00, 10),
  ('meta-llama/llama-3.3-70b-instruct', 'Llama 3.3 70B Instruct', 'basic', 131072, 0.13, 0.40, 1.20, 20),
  ('anthropic/claude-3.5-haiku', 'Claude 3.5 Haiku', 'advanced', 200000, 0.80, 4.00, 1.30, 30),
  ('openai/gpt-4o', 'GPT-4o', 'advanced', 128000, 2.50, 10.00, 1.00, 40),
  ('anthropic/claude-sonnet-4', 'Claude Sonnet 4', 'premium', 200000, 3.00, 15.00, 1.30, 50),
  ('openai/o3', 'o3', 'premium', 200000, 2.00, 8.00, 1.00, 60);

-- Server settings: exactly one row.
create table public.app_settings (
  id boolean primary key default true check (id),
  starter_balance bigint not null default 0 check (starter_balance >= 0),
  hold_ttl_seconds integer not null default 600 check (hold_ttl_seconds > 0),
  updated_at timestamptz not null default now()
);
alter table public.app_settings enable row level security;
comment on table public.app_settings is 'Single row. starter_balance: tokens granted to a new account (a ''grant'' in balance_ledger). hold_ttl_seconds: lifetime of a reservation.';
comment on column public.app_settings.starter_balance is 'Tokens credited to an account when it is created (first reserve, settle or admin call).';

insert into public.app_settings default values;

-- One account per auth-provider user (Clerk ids such as user_2abc, which are not uuids).
create table public.accounts (
  user_id text primary key check (pg_catalog.length(user_id) > 0),
  plan_id text not null default 'free' references public.plans (id) on update cascade,
  cap_override bigint check (cap_override >= 0),
  balance bigint not null default 0 check (balance >= 0),
  is_admin boolean not null default false,
  created_at timestamptz not null default now(),
  last_active_at timestamptz
);
alter table public.accounts enable row level security;
create index accounts_plan_id_idx on public.accounts (plan_id);
comment on table public.accounts is 'One row per user. balance = sum(balance_ledger.delta) for the user, always; only the metering functions change it.';
comment on column public.accounts.cap_override is 'Replaces the plan''s token_cap for this user when not null.';

-- Plan allowance used, one row per user per period: the gauge is one primary-key lookup.
create table public.usage_periods (
  user_id text not null references public.accounts (user_id),
  period text not null check (period in ('day', 'month')),
  period_start timestamptz not null,
  plan_tokens_used bigint not null default 0 check (plan_tokens_used >= 0),
  updated_at timestamptz not null default now(),
  primary key (user_id, period, period_start)
);
alter table public.usage_periods enable row level security;
comment on table public.usage_periods is 'Plan tokens charged per user per UTC period (day or month). May exceed the cap when an upstream call overshot its hold.';

-- Holds on the allowance while a model call streams. An expired hold never counts.
create table public.reservations (
  request_id text primary key check (pg_catalog.length(request_id) > 0),
  user_id text not null references public.accounts (user_id),
  tokens bigint not null check (tokens > 0),
  -- The prompt part of the hold (scaled), for a chat request; tokens minus this is its output budget.
  prompt_tokens bigint check (prompt_tokens >= 0),
  model text not null,
  period text not null check (period in ('day', 'month')),
  period_start timestamptz not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  check (expires_at > created_at)
);
alter table public.reservations enable row level security;
create index reservations_user_id_expires_at_idx on public.reservations (user_id, expires_at);
comment on table public.reservations is 'Token holds taken by reserve_tokens and removed by settle_tokens or release_tokens. Only holds with expires_at > now count.';

-- Append-only: one row per settled request.
create table public.usage_ledger (
  id bigint generated always as identity primary key,
  request_id text not null unique check (pg_catalog.length(request_id) > 0),
  user_id text not null references public.accounts (user_id),
  model text not null,
  input_tokens bigint not null check (input_tokens >= 0),
  output_tokens bigint not null check (output_tokens >= 0),
  total_tokens bigint not null check (total_tokens = input_tokens + output_tokens),
  plan_tokens bigint not null check (plan_tokens >= 0),
  balance_tokens bigint not null check (balance_tokens >= 0),
  cost_usd numeric check (cost_usd >= 0),
  latency_ms integer check (latency_ms >= 0),
  outcome text not null check (outcome in ('ok', 'aborted', 'error')),
  period text not null check (period in ('day', 'month')),
  period_start timestamptz not null,
  created_at timestamptz not null default now(),
  check (plan_tokens + balance_tokens = total_tokens)
);
alter table public.usage_ledger enable row level security;
create index usage_ledger_user_id_created_at_id_idx on public.usage_ledger (user_id, created_at desc, id desc);
comment on table public.usage_ledger is 'Append-only. One row per settled request: plan_tokens + balance_tokens = total_tokens.';

-- Append-only: every change to accounts.balance, signed.
create table public.balance_ledger (
  id bigint generated always as identity primary key,
  user_id text not null references public.accounts (user_id),
  delta bigint not null check (delta <> 0),
  kind text not null check (kind in ('grant', 'topup', 'usage', 'expiry', 'adjustment')),
  reason text not null check (pg_catalog.length(pg_catalog.btrim(reason)) > 0),
  payment_ref text unique check (pg_catalog.length(payment_ref) > 0),
  request_id text,
  actor text,
  created_at timestamptz not null default now(),
  check ((kind = 'topup') = (payment_ref is not null)),
  check (kind not in ('grant', 'topup') or delta > 0),
  check (kind not in ('usage', 'expiry') or delta < 0),
  check (kind <> 'usage' or request_id is not null)
);
alter table public.balance_ledger enable row level security;
create index balance_ledger_user_id_created_at_id_idx on public.balance_ledger (user_id, created_at desc, id desc);
comment on table public.balance_ledger is 'Append-only. accounts.balance = sum(delta) per user. A top-up''s payment_ref can be applied only once.';

-- Append-only audit of admin changes to an account.
create table public.account_events (
  id bigint generated always as identity primary key,
  user_id text not null references public.accounts (user_id),
  kind text not null check (kind in ('plan_changed', 'cap_override_set', 'cap_override_cleared')),
  old_value jsonb,
  new_value jsonb,
  actor text not null check (pg_catalog.length(actor) > 0),
  created_at timestamptz not null default now()
);
alter table public.account_events enable row level security;
create index account_events_user_id_created_at_id_idx on public.account_events (user_id, created_at desc, id desc);
comment on table public.account_events is 'Append-only audit of admin changes (plan, cap override): old and new value as jsonb, and the admin who made it.';
