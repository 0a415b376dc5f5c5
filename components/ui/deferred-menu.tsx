"use client";

import { cloneElement, lazy, Suspense, useState, type KeyboardEvent, type ReactElement, type ReactNode, type Ref } from "react";

export type MenuItemSpec = { label: string; icon?: ReactNode; onSelect?: () => void; href?: string; variant?: "danger"; separatorBefore?: boolean };
export type MenuPlacement = { label?: string; align?: "start" | "center" | "end"; side?: "top" | "right" | "bottom" | "left"; contentClassName?: string };

const RadixMenu = lazy(() => import("@/components/ui/radix-menu"));

type TriggerProps = {
  onPointerEnter?: () => void;
  onFocus?: () => void;
  onBlur?: () => void;
  onClick?: () => void;
  onKeyDown?: (event: KeyboardEvent) => void;
  "aria-haspopup"?: "menu";
  "aria-expanded"?: boolean;
  ref?: Ref<HTMLButtonElement>;
};

/**
 * A dropdown menu whose machinery (Radix, positioning) loads on first use: until then the trigger
 * is a plain button that starts loading on hover or focus and opens the menu on click, Enter, Space
 * or the down arrow, so nothing of it weighs on the page's first load.
 */
export function DeferredMenu({ trigger, items, ...placement }: MenuPlacement & { trigger: ReactElement<TriggerProps>; items: MenuItemSpec[] }) {
  const [stage, setStage] = useState<"idle" | "loading" | "open">("idle");
  // Whether the placeholder has the focus now: the loaded menu takes it over only then (focus that has
  // moved on, say tabbed on to the composer, is never pulled back when the menu finishes loading).
  const [hasFocus, setHasFocus] = useState(false);
  const load = () => setStage((current) => (current === "idle" ? "loading" : current));
  const open = () => setStage("open");
  const placeholder = cloneElement(trigger, {
    onPointerEnter: load,
    onFocus: () => {
      setHasFocus(true);
      load();
    },
    onBlur: () => setHasFocus(false),
    onClick: open,
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key === "Enter" || event.key === " " || event.key === "ArrowDown") {
        event.preventDefault();
        open();
      }
    },
    "aria-haspopup": "menu",
    "aria-expanded": false,
  });
  if (stage === "idle") return placeholder;
  return (
    <Suspense fallback={placeholder}>
      <RadixMenu trigger={trigger} items={items} autoOpen={stage === "open"} focusTrigger={hasFocus} {...placement} />
    </Suspense>
  );
}
