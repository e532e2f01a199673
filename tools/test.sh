#!/bin/sh
# Set up and run every test. A real Secret Service (gnome-keyring in a private D-Bus session)
# is started when this machine has one, so the keyring test runs against the real thing.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup.sh
export QT_QPA_PLATFORM=offscreen
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
    exec dbus-run-session -- sh -c \
        'echo figdesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1;
         exec .venv/bin/python -m pytest "$@"' figdesk-tests "$@"
fi
exec .venv/bin/python -m pytest "$@"
