"""``python -m figdesk.sandbox [flags]``: see figdesk.sandbox.cli."""

import sys

from .cli import run

sys.exit(run(sys.argv[1:]))
