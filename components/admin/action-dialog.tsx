"use client";

import type { FormEvent, ReactNode } from "react";
import { FormError } from "@/components/admin/form-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogTitle } from "@/components/ui/dialog";

type Props = {
  title: string;
  description: ReactNode;
  onClose: () => void;
  onSubmit: (event: FormEvent) => void;
  pending: boolean;
  formError: string | null;
  submitLabel: string;
  variant?: "default" | "danger";
  children: ReactNode;
  testId?: string;
};

/**
 * One admin action as a dialog with its form: focus kept inside, Escape or Cancel closes it (focus
 * back on the button that opened it), the server's message shown when it refuses.
 */
export function ActionDialog({ title, description, onClose, onSubmit, pending, formError, submitLabel, variant = "default", children, testId }: Props) {
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent data-testid={testId}>
        <DialogTitle>{title}</DialogTitle>
        <DialogDescription>{description}</DialogDescription>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          {children}
          <FormError message={formError} />
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline" disabled={pending}>
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" variant={variant} disabled={pending}>
              {pending ? "Saving…" : submitLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
