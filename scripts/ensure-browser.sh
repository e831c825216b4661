#!/usr/bin/env bash
# Make sure the browser tests have what they need: Debian's Chromium (never a downloaded build).
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's Chromium for the browser tests (apt-get install chromium)..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's Chromium at $CHROMIUM." >&2
    echo "Install it with: sudo apt-get install -y chromium   (or set CHROMIUM_PATH)." >&2
    exit 1
  fi
fi
