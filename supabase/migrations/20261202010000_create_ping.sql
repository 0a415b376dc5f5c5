-- The health check's one round trip, callable through either database adapter (node-postgres or
-- supabase-js over PostgREST) as the server role only.

create function public.ping()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select '{"ok": true}'::jsonb
$$;

comment on function public.ping() is 'Health check: answers {"ok": true}. Server role only.';
revoke all on function public.ping() from public, anon, authenticated;
grant execute on function public.ping() to service_role;
