#!/bin/sh
# Set up and start figdesk: the desktop app, on the built-in sandbox when no account is set up.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No screen here: showing the sandbox on the command line instead of the app." >&2
    exec .venv/bin/python -m figdesk.cli.demo
fi
if [ -n "${FIGSHARE_TOKEN:-}" ] || .venv/bin/python -c \
    'import sys; from figdesk.core.credentials import ProfileStore; sys.exit(0 if ProfileStore().last else 1)'
then
    exec .venv/bin/figdesk "$@"
fi
exec .venv/bin/figdesk --sandbox "$@"
