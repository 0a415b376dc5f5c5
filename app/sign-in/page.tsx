import { DevSignInForm } from "@/components/auth/dev-sign-in-form";
import { safeRedirectPath } from "@/lib/safe-redirect";

export const metadata = { title: "Sign in · Tokenmeter" };


export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  return (
    <main className="page">
      <h1>Sign in</h1>
      <p className="muted">
        Local development sign-in: pick any name. The same name always signs you in as the same user.
      </p>
      <DevSignInForm next={safeRedirectPath(params.next)} />
    </main>
  );
}
