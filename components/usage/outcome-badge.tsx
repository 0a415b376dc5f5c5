import { Badge } from "@/components/ui/badge";

const OUTCOMES: Record<string, { label: string; variant: "secondary" | "warning" | "danger" }> = {
  ok: { label: "Complete", variant: "secondary" },
  aborted: { label: "Stopped", variant: "warning" },
  error: { label: "Error", variant: "danger" },
};

/** How a metered request ended, in words (the colour only repeats them). */
export function OutcomeBadge({ outcome }: { outcome: string }) {
  const shown = OUTCOMES[outcome] ?? { label: outcome, variant: "secondary" as const };
  return <Badge variant={shown.variant}>{shown.label}</Badge>;
}
