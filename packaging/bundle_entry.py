"""Entry point of the PyInstaller bundle: the same `figdesk` command, and the app's upload
worker process when started with the flag the app gives it (a bundle has no `python -m`)."""

import sys

from figdesk.core.queue.remote import BUNDLE_WORKER_FLAG

if sys.argv[1:] == [BUNDLE_WORKER_FLAG]:
    from figdesk.core.queue.worker import main as worker_main

    raise SystemExit(worker_main())

from figdesk.cli.main import main

raise SystemExit(main())
