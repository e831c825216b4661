#!/usr/bin/env bash
# Install axe-core (pinned in package.json / package-lock.json) for the accessibility checks.
set -euo pipefail

if [ -f node_modules/axe-core/axe.min.js ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "The browser tests need axe-core from the npm registry, and npm is missing." >&2
  echo "Install Node.js and npm (e.g. sudo apt-get install -y npm), then run make test again." >&2
  exit 1
fi
echo "Installing axe-core for the accessibility checks (npm ci)..."
npm ci --no-audit --no-fund --loglevel=error
