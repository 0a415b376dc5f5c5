import type { ReactNode } from "react";
import { PageHeader } from "@/components/admin/page-header";
import { Card } from "@/components/ui/card";
import { cn } from "@/lib/client/cn";

/** An admin screen that is one card: its header (title, purpose, actions) and the card below. */
export function AdminSection({ title, description, actions, className, children }: { title: string; description: ReactNode; actions?: ReactNode; className?: string; children: ReactNode }) {
  return (
    <div className="space-y-4">
      <PageHeader title={title} description={description}>
        {actions}
      </PageHeader>
      <Card className={cn("space-y-4 p-3 sm:p-5", className)}>{children}</Card>
    </div>
  );
}
