#!/usr/bin/env bash
# Makes sure the browser the e2e tests use is here: Debian's Chromium at /usr/bin/chromium.
# Playwright's own browser download cannot work offline, so we never use it.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[tokenmeter] $CHROMIUM is missing: installing Debian's chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
  [ -x "$CHROMIUM" ] && exit 0
fi
echo "[tokenmeter] e2e tests need Chromium at $CHROMIUM: install it with 'sudo apt-get install chromium' (or set CHROMIUM_PATH)." >&2
exit 1
