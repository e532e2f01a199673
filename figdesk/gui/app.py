"""Entry point of the desktop app: QApplication, a qasync event loop, the main window."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

from figdesk.gui.accounts import Accounts, SandboxHost
from figdesk.gui.icon import app_icon
from figdesk.gui.main_window import MainWindow
from figdesk.gui.queue_controller import install_upload_queue
from figdesk.gui.theme import apply_theme, system_prefers_dark

#: Sample items the embedded demo sandbox makes on top of its hand-written samples.
DEMO_ITEMS = 40

#: How long a thread may keep Python's GIL while another waits for it (CPython: 5 ms).
#: Every Python call the GUI thread makes (a slot, a timer, a model answer outside a paint)
#: may wait for it while a pool thread builds a page of items; at 5 ms those waits added
#: 30-60 ms to single frames, at 0.5 ms a few ms (benchmarks/bench_gui_stall.py).
GIL_SWITCH_INTERVAL = 0.0005


def tune_interpreter() -> None:
    """Settings of this process that keep the GUI thread responsive."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def build_window(*, sandbox: bool, accounts: Accounts | None = None,
                 executor: ThreadPoolExecutor | None = None) -> MainWindow:
    """The window, not yet started (tests and the screenshot script use this)."""
    if accounts is None:
        accounts = Accounts(sandbox_host=SandboxHost(items=DEMO_ITEMS if sandbox else 0))
    window = MainWindow(accounts, executor=executor, sandbox_mode=sandbox)
    install_upload_queue(window)      # upload queue panel, drops, the queue runner
    return window


def run(argv: list[str], *, sandbox: bool) -> int:
    """Run the GUI until its window closes. ``sandbox``: on an embedded sandbox."""
    # Qt reads argv[0] as the program name; the CLI hands over only the arguments.
    qt_argv = ["figdesk", *argv] if not argv or argv[0].startswith("-") else list(argv)
    tune_interpreter()
    app = QApplication.instance() or QApplication(qt_argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("figdesk")
    app.setApplicationDisplayName("figdesk")
    app.setOrganizationName("figdesk")
    app.setDesktopFileName("org.figdesk.Figdesk")   # Wayland matches the window to the entry
    app.setWindowIcon(app_icon())
    dark = os.environ.get("FIGDESK_THEME", "").lower() == "dark" or (
        os.environ.get("FIGDESK_THEME", "").lower() != "light" and system_prefers_dark(app))
    apply_theme(app, dark)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="figdesk-io")
    window = build_window(sandbox=sandbox, executor=executor)
    window.dark_action.setChecked(dark)
    # Exceptions escaping a slot (qasync hands them to sys.excepthook) are logged in full and
    # shown with their details, instead of vanishing on stderr.
    previous_hook = sys.excepthook
    sys.excepthook = lambda _t, exc, _tb: window.show_error(exc)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    # Ctrl+C in the terminal quits like the window's Quit (Python runs the handler whenever
    # the loop hands it control, which qasync does between Qt events).
    previous_sigint = signal.signal(signal.SIGINT, lambda *_a: window.close())
    window.show()
    code = 0
    with loop:
        start = loop.create_task(window.start())
        try:
            loop.run_until_complete(closed.wait())
        except KeyboardInterrupt:
            code = 130
        start.cancel()
    sys.excepthook = previous_hook
    signal.signal(signal.SIGINT, previous_sigint)
    if window.session is not None:
        window.session.close()
    executor.shutdown(wait=False, cancel_futures=True)
    window.accounts.sandbox_host.stop()
    return code


if __name__ == "__main__":
    raise SystemExit(run(sys.argv, sandbox="--sandbox" in sys.argv))
