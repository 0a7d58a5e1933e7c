#!/usr/bin/env bash
# Run a command with a headless Secret Service (gnome-keyring under a private D-Bus session), so the
# keychain tests exercise @napi-rs/keyring for real. Needs: apt-get install -y gnome-keyring
# (dbus-run-session comes with dbus). Uses a throwaway HOME: the daemon writes its keyring there.
#
#   scripts/keyring-test-env.sh npx vitest run test/unit/credentials test/integration/login-keychain.test.ts
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi
for bin in dbus-run-session gnome-keyring-daemon; do
  command -v "$bin" >/dev/null || { echo "$0: $bin not found (apt-get install -y gnome-keyring)" >&2; exit 127; }
done
kr_home="$(mktemp -d "${TMPDIR:-/tmp}/llamagate-keyring.XXXXXX")"
trap 'rm -rf "$kr_home"' EXIT
# npm/npx need their cache and config from the real HOME; only the keyring uses the throwaway one.
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
export LLAMAGATE_KEYRING_HOME="$kr_home"
HOME="$kr_home" XDG_DATA_HOME="$kr_home/.local/share" dbus-run-session -- bash -c '
  # A non-empty password lets the daemon create the "login" collection without a GUI prompter.
  printf "llamagate-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  exec "$@"
' keyring-env "$@"
