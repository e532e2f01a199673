#!/bin/sh
# Put figdesk in the desktop's application menu: the .desktop entry, its icon and the AppStream
# metadata, under PREFIX (default ~/.local). Run after tools/setup.sh; figdesk itself is the
# .venv's command, linked into PREFIX/bin.
set -eu
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-$HOME/.local}
install -d "$PREFIX/bin" "$PREFIX/share/applications" "$PREFIX/share/metainfo" \
    "$PREFIX/share/icons/hicolor/scalable/apps"
ln -sf "$(pwd)/.venv/bin/figdesk" "$PREFIX/bin/figdesk"
install -m 644 packaging/org.figdesk.Figdesk.desktop "$PREFIX/share/applications/"
install -m 644 packaging/org.figdesk.Figdesk.metainfo.xml "$PREFIX/share/metainfo/"
install -m 644 resources/icons/figdesk.svg \
    "$PREFIX/share/icons/hicolor/scalable/apps/org.figdesk.Figdesk.svg"
command -v update-desktop-database >/dev/null 2>&1 && \
    update-desktop-database "$PREFIX/share/applications" || true
echo "figdesk is in the application menu (under $PREFIX)."
