import { GaugeIcon } from "lucide-react";
import Link from "next/link";
import { DevSignInForm } from "@/components/auth/dev-sign-in-form";
import { LazyClerkSignIn } from "@/components/auth/lazy-clerk-sign-in";
import { clerkConfig } from "@/lib/auth/provider";
import { safeRedirectPath } from "@/lib/safe-redirect";

export const metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const next = safeRedirectPath(params.next);
  const landing = next === "/" ? "/chat" : next;
  const clerk = clerkConfig();
  if (clerk) {
    return (
      <main className="flex min-h-dvh items-center justify-center px-4 py-12">
        <LazyClerkSignIn publishableKey={clerk.publishableKey} next={landing} />
      </main>
    );
  }
  return (
    <main className="flex min-h-dvh items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm space-y-6">
        <Link href="/" className="flex items-center justify-center gap-2 text-lg font-semibold">
          <GaugeIcon className="size-6 text-primary" aria-hidden="true" /> Tokenmeter
        </Link>
        <div className="rounded-xl border bg-card p-6 shadow-xs">
          <h1 className="text-xl font-semibold">Sign in</h1>
          <p className="mt-1 text-sm text-muted-foreground">
            Local development sign-in: pick any name. The same name always signs you in as the same user.
          </p>
          <DevSignInForm next={landing} />
        </div>
      </div>
    </main>
  );
}
