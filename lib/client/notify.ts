import type { ExternalToast } from "sonner";

/**
 * Toasts without sonner in the page's first load: the first toast asks for the toaster
 * (components/toaster.tsx mounts it then), waits until it is listening, then shows.
 */
let wanted = false;
const listeners = new Set<() => void>();
let markMounted: () => void = () => {};
const mounted = new Promise<void>((resolve) => {
  markMounted = resolve;
});

/** For the toaster: whether a toast has been asked for yet (useSyncExternalStore). */
export const toasterWanted = {
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get: () => wanted,
};

/** Called once the toaster is mounted and listening. */
export function toasterMounted(): void {
  markMounted();
}

export function notify(kind: "success" | "warning" | "error", message: string, options?: ExternalToast): void {
  if (!wanted) {
    wanted = true;
    for (const listener of listeners) listener();
  }
  void mounted.then(() => import("sonner")).then(({ toast }) => toast[kind](message, options));
}
