"""Entry point of the PyInstaller bundle: the same `figdesk` command."""

from figdesk.cli.main import main

raise SystemExit(main())
