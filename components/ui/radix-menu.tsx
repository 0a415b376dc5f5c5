"use client";

import Link from "next/link";
import { cloneElement, useEffect, useRef, useState, type ReactElement, type Ref } from "react";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuSeparator, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import type { MenuItemSpec, MenuPlacement } from "@/components/ui/deferred-menu";

type Props = MenuPlacement & {
  trigger: ReactElement<{ ref?: Ref<HTMLButtonElement> }>;
  items: MenuItemSpec[];
  /** Open at once (the user already clicked or pressed Enter on the placeholder). */
  autoOpen: boolean;
  /** The placeholder had the focus: give it to the real trigger. */
  focusTrigger: boolean;
};

/** The Radix dropdown behind DeferredMenu (loaded on first use: Radix and its positioning are not in the first load). */
export default function RadixMenu({ trigger, items, autoOpen, focusTrigger, label, align, side, contentClassName }: Props) {
  const triggerRef = useRef<HTMLButtonElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(autoOpen);
  useEffect(() => {
    if (focusTrigger && !autoOpen) triggerRef.current?.focus();
    // Opened from the placeholder (click or Enter): the first item takes the focus, so Enter and arrows work at once.
    if (autoOpen) requestAnimationFrame(() => contentRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus());
    // Mount-time only: later focus belongs to the menu.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <DropdownMenu open={open} onOpenChange={setOpen}>
      <DropdownMenuTrigger asChild>{cloneElement(trigger, { ref: triggerRef })}</DropdownMenuTrigger>
      <DropdownMenuContent
        ref={contentRef}
        align={align}
        side={side}
        className={contentClassName}
      >
        {label ? <DropdownMenuLabel>{label}</DropdownMenuLabel> : null}
        {items.map((item) => [
          item.separatorBefore ? <DropdownMenuSeparator key={`${item.label}-separator`} /> : null,
          item.href ? (
            <DropdownMenuItem key={item.label} asChild>
              <Link href={item.href} onClick={item.onSelect}>
                {item.icon} {item.label}
              </Link>
            </DropdownMenuItem>
          ) : (
            <DropdownMenuItem key={item.label} variant={item.variant} onSelect={item.onSelect}>
              {item.icon} {item.label}
            </DropdownMenuItem>
          ),
        ])}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
