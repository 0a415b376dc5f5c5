-- The model catalogue as one user sees it: every enabled model, and whether their plan allows it.
-- An unknown user is on the free plan (accounts are created on first reserve, not here).

create function public.list_models(p_user_id text)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with plan as (
    select p.id, p.model_tiers, p.max_output_tokens
    from public.plans p
    where p.id = coalesce((select a.plan_id from public.accounts a where a.user_id = p_user_id), 'free')
  )
  select pg_catalog.jsonb_build_object(
    'plan', plan.id,
    'max_output_tokens', plan.max_output_tokens,
    'models', coalesce(
      (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', m.id,
          'display_name', m.display_name,
          'tier', m.tier,
          'context_window', m.context_window,
          'input_price_per_mtok', m.input_price_per_mtok,
          'output_price_per_mtok', m.output_price_per_mtok,
          'allowed', m.tier = any (plan.model_tiers)
        ) order by m.sort_order, m.id)
       from public.models m
       where m.enabled),
      '[]'::jsonb
    )
  )
  from plan
$$;

comment on function public.list_models(text) is 'Enabled models with allowed = whether the user''s plan includes the tier.';
revoke all on function public.list_models(text) from public, anon, authenticated;
grant execute on function public.list_models(text) to service_role;
