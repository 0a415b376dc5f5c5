"use client";

import { AlertTriangleIcon } from "lucide-react";
import { Button } from "@/components/ui/button";

/** A page of the app failed to load (the database unreachable, say): say so and offer to try again. */
export default function AppError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto flex max-w-md flex-1 flex-col items-center justify-center gap-3 px-4 text-center" role="alert">
      <AlertTriangleIcon className="size-8 text-warning-foreground" aria-hidden="true" />
      <h1 className="text-lg font-semibold">This page could not be loaded</h1>
      <p className="text-sm text-muted-foreground">Tokenmeter could not reach its database or something went wrong on our side. Your usage is safe.</p>
      <Button onClick={reset}>Try again</Button>
    </div>
  );
}
