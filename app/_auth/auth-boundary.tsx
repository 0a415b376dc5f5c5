import { clerkConfig } from "@/lib/auth/provider";

/**
 * Wraps signed-in pages and the sign-in page in Clerk's provider when Clerk is configured (the keys
 * are read at run time and passed as props); with the dev sign-in it renders its children alone and
 * no Clerk code is loaded.
 */
export async function AuthBoundary({ children }: { children: React.ReactNode }) {
  const clerk = clerkConfig();
  if (!clerk) return children;
  const { ClerkProvider } = await import("@clerk/nextjs");
  return (
    <ClerkProvider publishableKey={clerk.publishableKey} signInUrl="/sign-in" signUpUrl="/sign-in" afterSignOutUrl="/">
      {children}
    </ClerkProvider>
  );
}
