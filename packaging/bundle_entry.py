"""Entry point of the PyInstaller bundle: the same `figdesk` command, and the app's upload
worker and built-in sandbox processes when started with the flag the app gives them (a bundle
has no `python -m`)."""

import sys

from figdesk.core.queue.remote import BUNDLE_WORKER_FLAG
from figdesk.gui.sandbox_child import BUNDLE_SANDBOX_FLAG

if sys.argv[1:] == [BUNDLE_WORKER_FLAG]:
    from figdesk.core.queue.worker import main as worker_main

    raise SystemExit(worker_main())

if sys.argv[1:2] == [BUNDLE_SANDBOX_FLAG]:
    from figdesk.sandbox.cli import run as sandbox_main

    raise SystemExit(sandbox_main(sys.argv[2:]))

from figdesk.cli.main import main

raise SystemExit(main())
