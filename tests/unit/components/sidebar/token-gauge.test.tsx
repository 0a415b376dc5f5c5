// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { useEffect } from "react";
import { SWRConfig, useSWRConfig, type ScopedMutator } from "swr";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TokenGauge } from "@/components/sidebar/token-gauge";
import type { TokenStatusView } from "@/lib/client/token-status";

vi.mock("sonner", () => ({ toast: { warning: vi.fn(), error: vi.fn(), success: vi.fn() } }));

const base: TokenStatusView = {
  used: 0,
  cap: 40_000,
  remaining: 40_000,
  held: 0,
  balance: 0,
  plan: "free",
  planName: "Free",
  period: "day",
  periodStart: "2026-12-02T00:00:00.000Z",
  resetsAt: "2026-12-03T00:00:00.000Z",
  alerts: [],
};

function serve(...answers: (TokenStatusView | "fail")[]) {
  const fetchMock = vi.fn(async () => {
    const next = answers.length > 1 ? answers.shift()! : answers[0]!;
    if (next === "fail") return Response.json({ error: { code: "unavailable", message: "down" } }, { status: 503 });
    return Response.json(next);
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

const probe: { mutate?: ScopedMutator } = {};
function Probe() {
  const { mutate } = useSWRConfig();
  useEffect(() => {
    probe.mutate = mutate;
  }, [mutate]);
  return null;
}

function renderGauge() {
  return render(
    <SWRConfig value={{ provider: () => new Map() }}>
      <TokenGauge />
      <Probe />
    </SWRConfig>,
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("TokenGauge", () => {
  it("shows a loading state first, then used / cap as a labelled progress bar", async () => {
    serve({ ...base, used: 12_345, remaining: 27_655 });
    renderGauge();
    expect(screen.getByTestId("token-gauge").dataset.state).toBe("loading");
    const bar = await screen.findByRole("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("12345");
    expect(bar.getAttribute("aria-valuemin")).toBe("0");
    expect(bar.getAttribute("aria-valuemax")).toBe("40000");
    expect(bar.getAttribute("aria-valuetext")).toMatch(/^30% of your daily allowance used: 12.345 tokens of 40.000$/);
    expect(screen.getByTestId("token-gauge").dataset.level).toBe("ok");
    expect(screen.getByTestId("token-gauge-reset").textContent).toMatch(/^Resets in .+midnight UTC\)$/);
  });

  it.each([
    [31_999, 8_001, 0, "ok", /\d+% used/],
    [32_000, 8_000, 0, "warning", /Running low · 80%/],
    [38_000, 2_000, 0, "critical", /Almost out · 95%/],
    [40_000, 0, 0, "exhausted", /Used up · 100%/],
    [40_000, 5_000, 5_000, "critical", /Almost out · 100%/],
  ])("used %i (remaining %i, balance %i) is %s and says so in words", async (used, remaining, balance, level, words) => {
    serve({ ...base, used, remaining, balance });
    renderGauge();
    await screen.findByRole("progressbar");
    const gauge = screen.getByTestId("token-gauge");
    expect(gauge.dataset.level).toBe(level);
    expect(gauge.textContent).toMatch(words);
    if (balance) expect(screen.getByTestId("token-gauge-balance").textContent).toMatch(/^Using your balance: 5.000 tokens$/);
  });

  it("says when an unused balance expires once that is 30 days away or less, and not before", async () => {
    const soon = new Date(Date.now() + 20 * 86_400_000).toISOString();
    serve({ ...base, balance: 5_000, remaining: 45_000, balanceExpiresAt: soon });
    renderGauge();
    expect((await screen.findByTestId("token-gauge-balance-expiry")).textContent).toMatch(/^Expires .+ unless you use it$/);
    cleanup();
    serve({ ...base, balance: 5_000, remaining: 45_000, balanceExpiresAt: new Date(Date.now() + 200 * 86_400_000).toISOString() });
    renderGauge();
    await screen.findByTestId("token-gauge-balance");
    expect(screen.queryByTestId("token-gauge-balance-expiry")).toBeNull();
  });

  it("shows what replies in progress hold", async () => {
    serve({ ...base, used: 100, held: 2_148, remaining: 37_752 });
    renderGauge();
    expect((await screen.findByTestId("token-gauge-held")).textContent).toMatch(/^2.148 tokens held by replies in progress$/);
  });

  it("keeps the last value when a poll fails and says it is stale, without going back to loading", async () => {
    serve({ ...base, used: 500, remaining: 39_500 }, "fail");
    const { unmount } = renderGauge();
    await screen.findByRole("progressbar");
    // The next poll fails: the gauge keeps 500 and says it is not up to date.
    await act(async () => {
      await probe.mutate!("/api/tokens/current").catch(() => {});
    });
    await screen.findByText(/Not up to date/);
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("500");
    expect(screen.getByTestId("token-gauge").dataset.state).toBe("stale");
    unmount();
  });
});
