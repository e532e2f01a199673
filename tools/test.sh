#!/bin/sh
# Set up and run every test. A real Secret Service (gnome-keyring in a private D-Bus session,
# with a fresh keyring folder so no earlier keyring's password gets in the way) is started
# when this machine has one, so the keyring test runs against the real thing.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup.sh
export QT_QPA_PLATFORM=offscreen
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
    keyrings=$(mktemp -d)
    trap 'rm -rf "$keyrings"' EXIT
    export FIGDESK_TEST_KEYRINGS="$keyrings"
    status=0
    dbus-run-session -- sh -c \
        'echo figdesk-test | XDG_DATA_HOME="$FIGDESK_TEST_KEYRINGS" \
             gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1;
         exec .venv/bin/python -m pytest "$@"' figdesk-tests "$@" || status=$?
    exit "$status"
fi
exec .venv/bin/python -m pytest "$@"
