#!/bin/sh
# Build the desktop bundle (dist/figdesk/) with PyInstaller, then check that it starts.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup.sh
.venv/bin/python -m pip install -q --disable-pip-version-check 'pyinstaller>=6'
.venv/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build packaging/figdesk.spec
dist/figdesk/figdesk --version
