-- The daily rollups are updated in place by every settled request (the sums of a user's day, of a
-- model bucket's day). Leaving room on each page lets those updates stay on the page (HOT: no index
-- entry per update, less bloat between autovacuum runs). No indexed column ever changes on update.
alter table public.usage_daily_users set (fillfactor = 80);
alter table public.usage_daily_models set (fillfactor = 70);
