import { ShieldAlertIcon } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";

/** What a signed-in user who is not an admin sees at /admin/…: a plain refusal and the way back. */
export function AdminsOnly() {
  return (
    <div className="mx-auto flex max-w-md flex-1 flex-col items-center justify-center gap-3 px-4 py-12 text-center" data-testid="admins-only">
      <ShieldAlertIcon className="size-8 text-muted-foreground" aria-hidden="true" />
      <h1 className="text-lg font-semibold">Admins only</h1>
      <p className="text-sm text-muted-foreground">
        The admin console is for Tokenmeter administrators. Your account does not have access (403). If you think it should, ask an administrator.
      </p>
      <Button asChild>
        <Link href="/chat">Back to the chat</Link>
      </Button>
    </div>
  );
}
