import Link from "next/link";
import { Button } from "@/components/ui/button";

export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center gap-3 px-4 text-center">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="text-sm text-muted-foreground">This page or conversation does not exist, or it is not yours.</p>
      <Button asChild>
        <Link href="/chat">Back to the chat</Link>
      </Button>
    </main>
  );
}
