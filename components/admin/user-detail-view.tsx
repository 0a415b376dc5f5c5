"use client";

import { ArrowLeftIcon, CoinsIcon, CreditCardIcon, GaugeIcon, LayersIcon, RotateCcwIcon } from "lucide-react";
import Link from "next/link";
import { useRef, useState, type ReactNode } from "react";
import useSWR from "swr";
import { DataState } from "@/components/admin/data-state";
import { CapOverrideForm, ChangePlanForm, GrantForm, ResetUsageForm, TopUpForm, type UserAction } from "@/components/admin/user-action-forms";
import { BalanceLedgerTable, RecentUsageTable } from "@/components/admin/user-history-tables";
import { UserStats } from "@/components/admin/user-stats";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { ADMIN_API, type UserDetailView as UserDetail } from "@/lib/client/admin";
import { getJson } from "@/lib/client/fetch-json";

const ACTIONS: { action: UserAction; label: string; icon: ReactNode }[] = [
  { action: "plan", label: "Change plan", icon: <LayersIcon aria-hidden="true" /> },
  { action: "cap-override", label: "Cap override", icon: <GaugeIcon aria-hidden="true" /> },
  { action: "reset-usage", label: "Reset usage", icon: <RotateCcwIcon aria-hidden="true" /> },
  { action: "grant", label: "Grant tokens", icon: <CoinsIcon aria-hidden="true" /> },
  { action: "top-up", label: "Top up", icon: <CreditCardIcon aria-hidden="true" /> },
];

const FORMS = { plan: ChangePlanForm, "cap-override": CapOverrideForm, "reset-usage": ResetUsageForm, grant: GrantForm, "top-up": TopUpForm } as const;

/** One user: the allowance, the actions (each a dialog), the balance ledger and recent usage. */
export function UserDetailView({ userId }: { userId: string }) {
  const key = ADMIN_API.user(userId);
  const { data, error, mutate } = useSWR<UserDetail>(key, getJson);
  const [open, setOpen] = useState<UserAction | null>(null);
  const Form = open ? FORMS[open] : null;
  // The dialogs are mounted only while open: closing one hands the focus back to its button here.
  const buttons = useRef<Partial<Record<UserAction, HTMLButtonElement | null>>>({});
  const close = () => {
    const button = open ? buttons.current[open] : null;
    setOpen(null);
    requestAnimationFrame(() => button?.focus());
  };

  return (
    <div className="space-y-4">
      <Link href="/admin/users" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeftIcon className="size-4" aria-hidden="true" /> All users
      </Link>
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="min-w-0 break-all font-mono text-xl font-semibold" data-testid="user-id">
          {userId}
        </h2>
        {data?.isAdmin ? <Badge variant="outline">Admin</Badge> : null}
        {data?.email ? (
          <p className="w-full text-sm text-muted-foreground" data-testid="user-email">
            {data.email}
          </p>
        ) : null}
      </div>
      <DataState
        what="this user"
        data={data}
        error={error}
        onRetry={() => void mutate()}
        skeleton={
          <div className="grid grid-cols-2 gap-3 lg:grid-cols-3">
            {[0, 1, 2, 3, 4, 5].map((i) => (
              <Skeleton key={i} className="h-24 w-full rounded-xl" />
            ))}
          </div>
        }
      >
        {(user) => (
          <div className="space-y-4">
            <UserStats user={user} />
            <div className="flex flex-wrap gap-2" role="group" aria-label="Actions for this user">
              {ACTIONS.map(({ action, label, icon }) => (
                <Button
                  key={action}
                  ref={(element) => {
                    buttons.current[action] = element;
                  }}
                  variant="outline"
                  size="sm"
                  onClick={() => setOpen(action)}
                  data-testid={`action-${action}`}
                >
                  {icon} {label}
                </Button>
              ))}
            </div>
            {Form ? (
              <Form
                user={user}
                onClose={close}
                onDone={() => {
                  close();
                  void mutate();
                }}
              />
            ) : null}
            <BalanceLedgerTable entries={user.balanceLedger} />
            <RecentUsageTable entries={user.usage} />
          </div>
        )}
      </DataState>
    </div>
  );
}
