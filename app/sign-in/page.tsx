import { DevSignInForm } from "@/components/auth/dev-sign-in-form";

export const metadata = { title: "Sign in · Tokenmeter" };

function safeNext(value: string | string[] | undefined): string {
  const next = Array.isArray(value) ? value[0] : value;
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  return (
    <main className="page">
      <h1>Sign in</h1>
      <p className="muted">
        Local development sign-in: pick any name. The same name always signs you in as the same user.
      </p>
      <DevSignInForm next={safeNext(params.next)} />
    </main>
  );
}
