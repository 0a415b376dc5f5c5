// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { SWRConfig } from "swr";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PlanEditForm } from "@/components/admin/plan-edit-form";
import { TopUpForm } from "@/components/admin/user-action-forms";
import type { PlanView, UserDetailView } from "@/lib/client/admin";

vi.mock("sonner", () => ({ toast: { warning: vi.fn(), error: vi.fn(), success: vi.fn() } }));

const free: PlanView = { id: "free", displayName: "Free", period: "day", tokenCap: 40_000, modelTiers: ["basic"], maxOutputTokens: 2048, sortOrder: 10, updatedAt: "2026-12-01T00:00:00Z" };

function serve(answer: { status: number; body: unknown }) {
  const fetchMock = vi.fn<(url: string, init?: RequestInit) => Promise<Response>>(async () => Response.json(answer.body, { status: answer.status }));
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

function renderIsolated(node: React.ReactNode) {
  return render(<SWRConfig value={{ provider: () => new Map() }}>{node}</SWRConfig>);
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("PlanEditForm", () => {
  it("refuses what the API's schema refuses, by the field, without sending", async () => {
    const fetchMock = serve({ status: 200, body: {} });
    renderIsolated(<PlanEditForm plan={free} onClose={() => {}} />);
    type("Token cap", "-1");
    type("Output limit per request", "lots");
    fireEvent.submit(screen.getByTestId("plan-form"));
    expect(await screen.findByText("Token cap must be at least 0")).toBeTruthy();
    expect(screen.getByText("Output limit per request must be a number")).toBeTruthy();
    expect(screen.getByLabelText("Token cap").getAttribute("aria-invalid")).toBe("true");
    expect(fetchMock).not.toHaveBeenCalled();
    // Editing the field takes its error away.
    type("Token cap", "5");
    expect(screen.queryByText("Token cap must be at least 0")).toBeNull();
  });

  it("says when nothing changed, and sends only the changed fields (grouped digits read, blank reason left out)", async () => {
    const fetchMock = serve({ status: 200, body: { plan: { ...free, tokenCap: 45_000 }, auditId: 1 } });
    const onClose = vi.fn();
    renderIsolated(<PlanEditForm plan={free} onClose={onClose} />);
    fireEvent.submit(screen.getByTestId("plan-form"));
    expect((await screen.findByTestId("form-error")).textContent).toBe("Nothing changed: edit a field first.");
    type("Token cap", "45,000");
    fireEvent.click(screen.getByLabelText("Advanced"));
    fireEvent.submit(screen.getByTestId("plan-form"));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect([url, init?.method]).toEqual(["/api/admin/plans", "PATCH"]);
    expect(JSON.parse(String(init?.body))).toEqual({ id: "free", tokenCap: 45_000, modelTiers: ["basic", "advanced"] });
  });

  it("shows a 400's fields by their fields and keeps the form open", async () => {
    serve({ status: 400, body: { error: { code: "bad_request", message: "Invalid tokenCap: must be at most 1000", details: { fields: [{ field: "tokenCap", message: "must be at most 1000" }] } } } });
    const onClose = vi.fn();
    renderIsolated(<PlanEditForm plan={free} onClose={onClose} />);
    type("Token cap", "2000");
    fireEvent.submit(screen.getByTestId("plan-form"));
    expect(await screen.findByText("Token cap must be at most 1000")).toBeTruthy();
    expect(screen.queryByTestId("form-error")).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
  });

  it("shows any other refusal with the server's message", async () => {
    serve({ status: 403, body: { error: { code: "forbidden", message: "Admins only." } } });
    renderIsolated(<PlanEditForm plan={free} onClose={() => {}} />);
    type("Display name", "Gratis");
    fireEvent.submit(screen.getByTestId("plan-form"));
    expect((await screen.findByTestId("form-error")).textContent).toBe("Admins only.");
  });
});

describe("TopUpForm", () => {
  const user = { userId: "user_a", plan: "free", planName: "Free", balance: 0 } as UserDetailView;

  it("shows a 409 on the payment reference field, with the server's message for the form", async () => {
    serve({
      status: 409,
      body: { error: { code: "conflict", message: "Payment reference pay_1 has already been applied; nothing was changed.", details: { fields: [{ field: "paymentRef", message: "has already been applied" }] } } },
    });
    const onDone = vi.fn();
    renderIsolated(<TopUpForm user={user} onClose={() => {}} onDone={onDone} />);
    type("Tokens", "1000");
    type("Payment reference", "pay_1");
    fireEvent.click(screen.getByRole("button", { name: "Top up" }));
    expect(await screen.findByText("Payment reference has already been applied")).toBeTruthy();
    expect(screen.getByTestId("form-error").textContent).toContain("already been applied");
    expect(screen.getByLabelText("Payment reference").getAttribute("aria-invalid")).toBe("true");
    expect(onDone).not.toHaveBeenCalled();
  });
});
