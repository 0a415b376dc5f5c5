import type { ComponentProps } from "react";
import { cn } from "@/lib/client/cn";

/**
 * A table in a sideways scroller. `scrollLabel` names the scroller and puts it in the tab order, so
 * a keyboard can scroll a wide table that has nothing focusable of its own (links and buttons already scroll it).
 */
export function Table({ className, scrollLabel, ...props }: ComponentProps<"table"> & { scrollLabel?: string }) {
  return (
    <div className="@container relative w-full overflow-x-auto" {...(scrollLabel ? { role: "region", "aria-label": scrollLabel, tabIndex: 0 } : {})}>
      <table className={cn("w-full caption-bottom text-sm", className)} {...props} />
    </div>
  );
}
export const TableHeader = ({ className, ...props }: ComponentProps<"thead">) => <thead className={cn("[&_tr]:border-b", className)} {...props} />;
export const TableBody = ({ className, ...props }: ComponentProps<"tbody">) => <tbody className={cn("[&_tr:last-child]:border-0", className)} {...props} />;
export const TableRow = ({ className, ...props }: ComponentProps<"tr">) => <tr className={cn("border-b hover:bg-muted/50", className)} {...props} />;
export const TableHead = ({ className, ...props }: ComponentProps<"th">) => (
  <th className={cn("h-9 whitespace-nowrap px-2 text-left align-middle text-xs font-medium text-muted-foreground", className)} {...props} />
);
export const TableCell = ({ className, ...props }: ComponentProps<"td">) => <td className={cn("whitespace-nowrap px-2 py-2 align-middle", className)} {...props} />;
export const TableCaption = ({ className, ...props }: ComponentProps<"caption">) => (
  <caption className={cn("mt-3 text-sm text-muted-foreground", className)} {...props} />
);
