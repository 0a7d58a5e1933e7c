#!/usr/bin/env bash
# The test runner behind `npm test`: vitest, inside a headless Secret Service when this machine has
# one to start (gnome-keyring), so the keychain tests run for real; without it they skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null && [ -z "${LLAMAGATE_KEYRING_HOME:-}" ]; then
  exec scripts/keyring-test-env.sh node_modules/.bin/vitest run "$@"
fi
echo "note: gnome-keyring/dbus-run-session not found: the OS keychain tests will be skipped (apt-get install -y gnome-keyring)." >&2
exec node_modules/.bin/vitest run "$@"
