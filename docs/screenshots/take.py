"""Regenerate the app's screenshots (light and dark) on the embedded sandbox.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take.py   # or under xvfb-run

Writes main-*.png (items and editor), editor-*.png, files-*.png, signin-*.png and empty-*.png
next to this file. Uses throwaway config/data dirs and an in-memory keyring, so it never touches
the real ones.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = tempfile.mkdtemp(prefix="figdesk-shots-")
for _name in ("DATA", "CONFIG", "CACHE", "LOG"):
    os.environ[f"FIGDESK_{_name}_DIR"] = os.path.join(_tmp, _name.lower())

import keyring
import qasync
from PySide6.QtWidgets import QApplication, QWidget

from figdesk.gui.app import build_window
from figdesk.gui.signin_dialog import SignInDialog
from figdesk.gui.theme import apply_theme
from tests.support.memkeyring import MemoryKeyring


def wait_for(app: QApplication, cond: Callable[[], bool], limit: float = 30.0) -> None:
    """Spin Qt (and so the qasync loop) until ``cond`` holds; bounded."""
    end = time.monotonic() + limit
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.01)


def save(widget: QWidget, name: str) -> None:
    path = HERE / name
    widget.grab().save(str(path))
    print("wrote", path.relative_to(HERE.parents[1]))


def shoot(app: QApplication, dark: bool) -> None:
    suffix = "dark" if dark else "light"
    apply_theme(app, dark)
    window = build_window(sandbox=True)
    window.resize(1360, 820)
    window.show()
    task = asyncio.ensure_future(window.start())
    wait_for(app, task.done)
    wait_for(app, lambda: window.session is not None and not window.items.loading
             and window.items.model.rowCount() > 0 and bool(window.ref.licenses))
    # A draft with files and a description, so the editor and files panel have content.
    client = window.session.client  # type: ignore[union-attr]
    drafts = [r for r in window.items.model.rows() if not r.item.is_public]
    pick = next((r for r in drafts if client.list_files(r.item.id)), drafts[0])
    window.items.select_article(pick.item.id)
    wait_for(app, lambda: window.form.article_id == pick.item.id)
    window.form.title.setText(window.form.title.text() + " (revised)")   # unsaved marker
    settle(app)
    save(window, f"main-{suffix}.png")
    save(window.tabs, f"editor-{suffix}.png")
    bar = window.form.scroll.verticalScrollBar()
    window.form.scroll.ensureWidgetVisible(window.form.categories)
    settle(app)
    save(window.tabs, f"editor-fields-{suffix}.png")
    bar.setValue(0)
    window.tabs.setCurrentWidget(window.files)
    wait_for(app, lambda: window.files.article_id == pick.item.id)
    settle(app, 60)
    save(window.tabs, f"files-{suffix}.png")

    window.items.filter.setText("no item has this title")
    settle(app)
    save(window.items, f"empty-{suffix}.png")
    window.items.filter.clear()

    dialog = SignInDialog(window.dialog_connect, window)
    dialog.token.setText("0123456789abcdef")
    dialog.status.setText("Figshare did not accept this token. Check that you pasted all of "
                          "it and that it has not been revoked.")
    dialog.show()
    settle(app)
    save(dialog, f"signin-{suffix}.png")
    dialog.close()

    window.ask_unsaved = lambda: "discard"  # type: ignore[method-assign]
    window.close()
    window.accounts.sandbox_host.stop()
    settle(app)


def main() -> int:
    keyring.set_keyring(MemoryKeyring())
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    for dark in (False, True):
        shoot(app, dark)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
