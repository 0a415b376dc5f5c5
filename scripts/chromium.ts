/**
 * Debian's Chromium (never Playwright's own download, which needs the network), as the e2e tests and
 * the browser benchmarks launch it: headless, and without the background services that try to reach
 * Google's hosts from a machine with no network. process.env is read here: scripts are outside lib/.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
