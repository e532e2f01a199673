"""The ``figdesk`` command: the GUI with no subcommand, else one of the subcommands.

Every expected failure ends as one line on stderr: exit status 2 for a usage error, 1 for a
failure. Unexpected ones are logged in full to the log file and summarised in one line.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, NoReturn

from figdesk import __version__
from figdesk.core import logs
from figdesk.core.errors import FigdeskError, UsageError

if TYPE_CHECKING:
    from figdesk.core.api import FigshareClient

log = logging.getLogger("figdesk.cli")

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (plus a hint) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _command_modules() -> list[ModuleType]:
    """The subcommand modules; each has ``add_parser(subparsers)``. Imported lazily so that
    ``figdesk --help`` and the GUI start fast."""
    from figdesk.cli import (
        account_cmd,
        cleanup_cmd,
        download_cmd,
        items_cmd,
        queue_cmd,
        stats_cmd,
        upload_cmd,
    )

    return [account_cmd, items_cmd, upload_cmd, download_cmd, stats_cmd, queue_cmd,
            cleanup_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="figdesk", description="Figshare on your desktop: upload, edit, tidy up.")
    parser.add_argument("--version", action="version", version=f"figdesk {__version__}")
    parser.add_argument("--api", metavar="URL",
                        help="Figshare API base URL (default: the profile's, else "
                             "https://api.figshare.com/v2)")
    parser.add_argument("--profile", metavar="NAME", help="use this profile's service and token")
    parser.add_argument("--impersonate", metavar="ACCOUNT_ID", type=int,
                        help="act as this account of your institution (admins only)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--sandbox", action="store_true",
                        help="open the app on a built-in sandbox with sample items")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser("sandbox", help="serve a local Figshare sandbox (see 'figdesk sandbox --help')",
                   add_help=False)
    for module in _command_modules():
        module.add_parser(sub)
    return parser


def client_from_args(args: argparse.Namespace) -> FigshareClient:
    """A client for the service and token the global options name (FIGSHARE_TOKEN wins)."""
    from figdesk.core.api import FigshareClient
    from figdesk.core.credentials import DEFAULT_API_URL, ProfileStore, resolve_token

    profiles = ProfileStore()
    api_url = args.api
    if args.profile:
        profile = profiles.get(args.profile)
        if profile is None and not os.environ.get("FIGSHARE_TOKEN"):
            raise UsageError(f"There is no profile named '{args.profile}'. "
                             "Run 'figdesk login --profile NAME' first.")
        if api_url is None and profile is not None:
            api_url = profile.api_url
    if api_url is None:
        last = profiles.last
        api_url = last.api_url if last and not last.is_sandbox else DEFAULT_API_URL
    if api_url == "sandbox":
        raise UsageError("The built-in sandbox runs inside the app; for the command line, start "
                         "'figdesk sandbox' and pass its API address with --api.")
    token = resolve_token(args.profile, api_url, profiles=profiles)
    return FigshareClient(token, api_url=api_url, impersonate=args.impersonate)


def _run_sandbox(argv: list[str]) -> int:
    from figdesk.sandbox.cli import run

    return run(argv)


def _run_gui(args: argparse.Namespace, argv: list[str]) -> int:
    try:
        from figdesk.gui.app import run
    except ImportError as exc:
        raise FigdeskError(f"The desktop app cannot start: {exc}. Reinstall figdesk with its "
                           "Qt dependency (PySide6).") from exc
    return run(argv, sandbox=args.sandbox)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `figdesk sandbox ...` hands every following argument to the sandbox's own parser.
    if "sandbox" in argv and all(a.startswith("-") for a in argv[: argv.index("sandbox")]):
        return _run_sandbox(argv[argv.index("sandbox") + 1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error already printed
        return int(exc.code or 0)
    try:
        logs.setup(verbose=args.verbose)
        if args.command is None:
            return _run_gui(args, argv)
        return int(args.func(args))
    except UsageError as exc:
        print(f"figdesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FigdeskError as exc:
        print(f"figdesk: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("figdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `figdesk items list | head`): nothing left to say.
        sys.stderr.close()
        return EXIT_FAIL
    except Exception as exc:  # an unexpected failure: full details in the log, one line here
        log.exception("unexpected error")
        print(f"figdesk: unexpected error ({type(exc).__name__}: {logs.redact(str(exc))}); "
              "details are in the log file", file=sys.stderr)
        return EXIT_FAIL
