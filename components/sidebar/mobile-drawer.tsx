"use client";

import { Sheet, SheetContent, SheetDescription, SheetTitle } from "@/components/ui/sheet";

/** The sidebar as a drawer at phone width: focus kept inside, Escape or the close button ends it, focus returns to the menu button. */
export default function MobileDrawer({ open, onOpenChange, children }: { open: boolean; onOpenChange: (open: boolean) => void; children: React.ReactNode }) {
  return (
    <Sheet open={open} onOpenChange={onOpenChange}>
      <SheetContent aria-describedby="drawer-description">
        <SheetTitle className="sr-only">Menu</SheetTitle>
        <SheetDescription id="drawer-description" className="sr-only">
          Conversations, usage and your account
        </SheetDescription>
        {children}
      </SheetContent>
    </Sheet>
  );
}
