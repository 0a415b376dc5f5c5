"use client";

import { useSyncExternalStore } from "react";

/** The locale server-rendered numbers use; the browser's takes over right after hydration. */
export const SERVER_LOCALE = "en-US";

const subscribe = () => () => {};

/**
 * The browser's locale for text that is also rendered on the server: during hydration it is the
 * server's (so the markup matches), then the user's.
 */
export function useLocale(): string {
  return useSyncExternalStore(subscribe, () => navigator.language || SERVER_LOCALE, () => SERVER_LOCALE);
}
