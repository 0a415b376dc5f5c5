import type { Tier } from "@/lib/client/admin-inputs";

/**
 * The admin API's JSON as the browser receives it (lib/admin/schemas.ts on the server; times are
 * ISO 8601 strings, money is USD). tests/unit/lib/client/admin.test.ts checks these against the
 * server's result schemas.
 */
export type Period = "day" | "month";

export type PlanView = {
  id: string;
  displayName: string;
  period: Period;
  tokenCap: number;
  modelTiers: string[];
  maxOutputTokens: number;
  sortOrder: number;
  updatedAt: string;
};

export type AdminModelView = {
  id: string;
  displayName: string;
  tier: string;
  contextWindow: number;
  inputPricePerMtok: number;
  outputPricePerMtok: number;
  promptTokenFactor: number;
  enabled: boolean;
  sortOrder: number;
};

export type SettingsView = { starterBalance: number; holdTtlSeconds: number; balanceExpiryDays: number | null; updatedAt: string };

/** A user's allowance as the admin sees it (the user's own gauge shows the same figures). */
export type AccountStatusView = {
  userId: string;
  plan: string;
  planName: string;
  period: Period;
  periodStart: string;
  resetsAt: string;
  used: number;
  cap: number;
  held: number;
  remaining: number;
  balance: number;
};

export type UserSummaryView = AccountStatusView & {
  isAdmin: boolean;
  /** What the sign-in last reported (Clerk's email claim, or the dev sign-in's optional e-mail). */
  email: string | null;
  capOverride: number | null;
  createdAt: string;
  lastActiveAt: string | null;
};

export type BalanceEntryView = {
  id: number;
  delta: number;
  kind: string;
  reason: string;
  paymentRef: string | null;
  requestId: string | null;
  actor: string | null;
  createdAt: string;
};

export type UsageEntryView = {
  id: number;
  requestId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  planTokens: number;
  balanceTokens: number;
  costUsd: number | null;
  outcome: string;
  createdAt: string;
};

export type UserDetailView = UserSummaryView & { balanceLedger: BalanceEntryView[]; usage: UsageEntryView[] };

export type UsersPageView = { items: UserSummaryView[]; nextCursor: string | null };

export type AuditEntryView = {
  id: number;
  actor: string;
  action: string;
  targetUserId: string | null;
  target: string;
  oldValue: unknown;
  newValue: unknown;
  reason: string | null;
  createdAt: string;
};

export type AuditPageView = { items: AuditEntryView[]; nextCursor: number | null };

/** What a user action (plan, cap override, reset, grant, top-up) answers: the user's status after it. */
export type UserActionResultView = { ok: true; auditId: number; resetTokens?: number; balanceLedgerId?: number; status: AccountStatusView };

export const ADMIN_API = {
  plans: "/api/admin/plans",
  models: "/api/admin/models",
  settings: "/api/admin/settings",
  users: "/api/admin/users",
  audit: "/api/admin/audit",
  user: (userId: string) => `/api/admin/users/${encodeURIComponent(userId)}`,
  userAction: (userId: string, action: "plan" | "cap-override" | "reset-usage" | "grant" | "top-up") => `/api/admin/users/${encodeURIComponent(userId)}/${action}`,
} as const;

export const TIER_LABELS: Record<Tier, string> = { basic: "Basic", advanced: "Advanced", premium: "Premium" };
export const PERIOD_LABELS: Record<Period, string> = { day: "Day", month: "Month" };

/** A path with its query string, leaving out empty values. */
export function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && String(value).trim() !== "") query.set(key, String(value).trim());
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The audit log's actions (admin_audit.action), for its filter. */
export const AUDIT_ACTIONS: Record<string, string> = {
  update_plan: "Plan edited",
  update_model: "Model edited",
  update_settings: "Settings edited",
  set_plan: "User's plan changed",
  set_cap_override: "Cap override",
  reset_usage: "Usage reset",
  grant_tokens: "Tokens granted",
  top_up: "Top-up",
  bootstrap_admin: "Admin added",
};

/** An audit value as one short line: `token_cap: 40000, period: "day"` for an object, JSON otherwise; `—` for none. */
export function compactJson(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value);
    return entries.length ? entries.map(([key, item]) => `${key}: ${JSON.stringify(item)}`).join(", ") : "{}";
  }
  return JSON.stringify(value);
}
