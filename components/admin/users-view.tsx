"use client";

import { SearchIcon } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import useSWR from "swr";
import { AdminSection } from "@/components/admin/admin-section";
import { PagedData } from "@/components/admin/paged-data";
import { Badge } from "@/components/ui/badge";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useCursorPages } from "@/hooks/use-cursor-pages";
import { useDebouncedValue } from "@/hooks/use-debounced-value";
import { ADMIN_API, type PlanView, type UserSummaryView } from "@/lib/client/admin";
import { getJson } from "@/lib/client/fetch-json";
import { formatDateTime, formatNumber } from "@/lib/client/format";

const PAGE_SIZE = 25;

/** Accounts by part of their id and by plan, a page at a time; a row opens the user. */
export function UsersView() {
  const router = useRouter();
  const [query, setQuery] = useState("");
  const [plan, setPlan] = useState("");
  const q = useDebouncedValue(query.trim());
  const plans = useSWR<{ plans: PlanView[] }>(ADMIN_API.plans, getJson);
  const users = useCursorPages<UserSummaryView>(ADMIN_API.users, { q: q || undefined, plan: plan || undefined, limit: PAGE_SIZE });
  const searchId = useId();
  const planId = useId();
  const filtered = Boolean(q || plan);

  return (
    <AdminSection title="Users" description="Find an account to see its allowance, balance and history, and to grant, top up or change its plan.">
      <form role="search" className="flex flex-col gap-3 sm:flex-row sm:items-end" onSubmit={(event) => event.preventDefault()}>
        <div className="grid flex-1 gap-1.5">
          <Label htmlFor={searchId}>Search</Label>
          <div className="relative">
            <SearchIcon className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" aria-hidden="true" />
            <Input id={searchId} type="search" value={query} onChange={(event) => setQuery(event.target.value)} placeholder="Search by user id or e-mail" className="pl-8" maxLength={200} data-testid="user-search" />
          </div>
        </div>
        <div className="grid gap-1.5 sm:w-48">
          <Label htmlFor={planId}>Plan</Label>
          <NativeSelect id={planId} value={plan} onChange={(event) => setPlan(event.target.value)} data-testid="user-plan-filter">
            <option value="">All plans</option>
            {plans.data?.plans.map((p) => (
              <option key={p.id} value={p.id}>
                {p.displayName}
              </option>
            ))}
          </NativeSelect>
        </div>
      </form>

      <PagedData
        what="users"
        pages={users}
        moreTestId="users-more"
        empty={filtered ? "No account matches. An account exists once its user has made a request (or an admin has changed it)." : "No accounts yet: an account is made on a user's first request."}
      >
        {(items) => (
          <Table data-testid="users-table">
            <TableHeader>
              <TableRow>
                <TableHead>User</TableHead>
                <TableHead>Plan</TableHead>
                <TableHead className="text-right">Used / cap</TableHead>
                <TableHead className="text-right">Held</TableHead>
                <TableHead className="text-right">Balance</TableHead>
                <TableHead className="text-right">Cap override</TableHead>
                <TableHead>Last active</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((user) => {
                const href = `/admin/users/${encodeURIComponent(user.userId)}`;
                return (
                  <TableRow key={user.userId} className="cursor-pointer" onClick={() => router.push(href)} data-testid="user-row" data-user-id={user.userId}>
                    <TableCell>
                      <Link href={href} className="font-mono text-xs font-medium text-primary underline-offset-4 hover:underline" onClick={(event) => event.stopPropagation()}>
                        {user.userId}
                      </Link>
                      {user.isAdmin ? (
                        <Badge variant="outline" className="ml-2">
                          Admin
                        </Badge>
                      ) : null}
                      {user.email ? <div className="mt-0.5 text-xs text-muted-foreground">{user.email}</div> : null}
                    </TableCell>
                    <TableCell>{user.planName}</TableCell>
                    <TableCell className="text-right tabular-nums">
                      {formatNumber(user.used)} <span className="text-muted-foreground">/ {formatNumber(user.cap)}</span>
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(user.held)}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(user.balance)}</TableCell>
                    <TableCell className="text-right tabular-nums">{user.capOverride === null ? <span className="text-muted-foreground">—</span> : formatNumber(user.capOverride)}</TableCell>
                    <TableCell className="tabular-nums">{formatDateTime(user.lastActiveAt)}</TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </PagedData>
    </AdminSection>
  );
}
