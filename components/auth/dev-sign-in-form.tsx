"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { ApiError } from "@/lib/client/errors";
import { fetchJson } from "@/lib/client/fetch-json";

/** The local dev sign-in: a name is all it takes (an e-mail is optional); the server sets a signed session cookie. */
export function DevSignInForm({ next }: { next: string }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await fetchJson("/api/auth/sign-in", { method: "POST", json: { name, email } });
      router.replace(next);
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "Sign-in failed.");
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="mt-5 grid gap-3" aria-label="Dev sign-in">
      <Label htmlFor="dev-name">Your name</Label>
      <Input
        id="dev-name"
        name="name"
        autoComplete="username"
        autoFocus
        value={name}
        onChange={(event) => setName(event.target.value)}
        required
        maxLength={60}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "dev-sign-in-error" : undefined}
      />
      <Label htmlFor="dev-email" className="mt-1">
        E-mail <span className="font-normal text-muted-foreground">(optional, lets an admin find you)</span>
      </Label>
      <Input
        id="dev-email"
        name="email"
        type="email"
        autoComplete="email"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        maxLength={320}
      />
      {error ? (
        <p id="dev-sign-in-error" role="alert" className="text-sm text-danger-foreground">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending || name.trim() === ""}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
