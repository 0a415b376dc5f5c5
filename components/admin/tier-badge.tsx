import { Badge } from "@/components/ui/badge";
import { TIER_LABELS } from "@/lib/client/admin";
import type { Tier } from "@/lib/client/admin-inputs";

/** A model tier by name (an unknown one as the database spells it). */
export function TierBadge({ tier }: { tier: string }) {
  return <Badge variant="secondary">{TIER_LABELS[tier as Tier] ?? tier}</Badge>;
}
