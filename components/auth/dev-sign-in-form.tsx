"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

/** The local dev sign-in: a name is all it takes; the server sets a signed session cookie. */
export function DevSignInForm({ next }: { next: string }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const response = await fetch("/api/auth/sign-in", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name }),
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(body?.error?.message ?? "Sign-in failed.");
        return;
      }
      router.replace(next);
      router.refresh();
    } catch {
      setError("The server could not be reached.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="card form" aria-label="Dev sign-in">
      <label htmlFor="dev-name">Your name</label>
      <input
        id="dev-name"
        name="name"
        autoComplete="username"
        value={name}
        onChange={(event) => setName(event.target.value)}
        required
        maxLength={60}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "dev-sign-in-error" : undefined}
      />
      {error ? (
        <p id="dev-sign-in-error" role="alert" className="status-error">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={pending || name.trim() === ""}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
