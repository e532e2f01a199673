"""``figdesk cleanup drafts [--untitled] [--empty] [--older-than DAYS] [--match TEXT]
[--backup FILE | --no-backup] [--count-files] [--yes]``.

Lists the matching drafts, asks (unless ``--yes``), backs them up to one JSON file, deletes
them and says what happened. Without ``--yes`` it only deletes after a "y" typed on a terminal;
with ``--json`` and no ``--yes`` it prints the candidate list and deletes nothing. Progress goes
to stderr so stdout holds only the table, the summary or the JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from figdesk.cli import output
from figdesk.core.errors import UsageError
from figdesk.core.workflows.cleanup import (
    CleanupProgress,
    CleanupReport,
    DraftCandidate,
    DraftCriteria,
    backup_drafts,
    default_backup_name,
    delete_drafts,
    estimate_seconds,
    find_drafts,
    human_duration,
    summary_line,
)

EXIT_OK, EXIT_FAIL = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cleanup = sub.add_parser("cleanup", help="tidy up the account (delete old or empty drafts)")
    csub = cleanup.add_subparsers(dest="cleanup_command", metavar="WHAT", required=True)
    p = csub.add_parser(
        "drafts", help="back up and delete draft items (never published ones only)",
        description="Find draft items (never published) matching all the filters given, back "
                    "them up to a JSON file and delete them. Public items are never touched.")
    p.add_argument("--untitled", action="store_true",
                   help="only drafts with no title or a placeholder one ('Untitled Item')")
    p.add_argument("--empty", action="store_true", help="only drafts without any file")
    p.add_argument("--older-than", type=_days, metavar="DAYS",
                   help="only drafts created more than DAYS days ago")
    p.add_argument("--match", metavar="TEXT", default="",
                   help="only drafts whose title contains TEXT (any case)")
    p.add_argument("--count-files", action="store_true",
                   help="count each draft's files for the table (one more request a draft)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--backup", metavar="FILE", type=Path,
                       help="where to write the backup (default: "
                            "figdesk-drafts-backup-YYYYmmdd-HHMMSS.json here)")
    where.add_argument("--no-backup", action="store_true",
                       help="delete without writing a backup first (not recommended)")
    p.add_argument("-y", "--yes", action="store_true", help="delete without asking")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_drafts)


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of days") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the number of days cannot be negative")
    return value


class _ProgressLines:
    """Progress on stderr: each delete on its own line, other phases at most once a second."""

    def __init__(self) -> None:
        self._last = 0.0
        self._phase = ""

    def __call__(self, step: CleanupProgress) -> None:
        now = time.monotonic()
        final = step.total > 0 and step.done >= step.total
        if (step.phase == self._phase and step.phase != "deleting" and not final
                and now - self._last < 1.0):
            return
        self._last, self._phase = now, step.phase
        left = human_duration(step.eta_seconds) if step.eta_seconds else ""
        print(output.clean(step.text) + (f" ({left} left)" if left else ""), file=sys.stderr)


@contextlib.contextmanager
def _ctrl_c_cancels(cancel: threading.Event) -> Iterator[None]:
    """The first Ctrl-C stops after the current item (an item is never left half deleted);
    a second one interrupts at once."""
    def on_sigint(_sig: int, _frame: FrameType | None) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("Stopping after the current item (Ctrl-C again to interrupt now)...",
              file=sys.stderr)

    try:
        previous: Any = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (embedded use): keep the default behaviour
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _drafts(n: int, these: str = "these ") -> str:
    return "this draft" if n == 1 and these else f"{these}{n} draft{'s' if n != 1 else ''}"


def _candidate_json(c: DraftCandidate) -> dict[str, Any]:
    return {"id": c.id, "title": c.title,
            "created_date": c.item.raw.get("created_date"),
            "modified_date": c.item.raw.get("modified_date"),
            "file_count": c.file_count, "url_private_html": c.item.url_private_html}


def _print_table(candidates: Sequence[DraftCandidate]) -> None:
    output.print_table(
        ["ID", "CREATED", "MODIFIED", "FILES", "TITLE"],
        ([str(c.id), output.short_date(c.created_date), output.short_date(c.modified_date),
          "?" if c.file_count is None else str(c.file_count), c.display_title]
         for c in candidates))


def _ask(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().casefold() in ("y", "yes")


def _report_json(candidates: Sequence[DraftCandidate], backup: Path | None,
                 report: CleanupReport) -> dict[str, Any]:
    return {"candidates": [_candidate_json(c) for c in candidates],
            "backup": str(backup) if backup else None,
            "deleted": report.deleted,
            "failures": [{"id": f.id, "title": f.title, "reason": f.reason}
                         for f in report.failures],
            "not_attempted": report.not_attempted, "cancelled": report.cancelled}


def _print_report(report: CleanupReport) -> None:
    if report.failures:
        print("Not deleted:")
        for f in report.failures:
            print(f"  {f.id}  {output.clean(f.title)}: {output.clean(f.reason)}")
    if report.not_attempted:
        print("Left alone after the cancel: " + ", ".join(map(str, report.not_attempted)))
    print(summary_line(report))


def _backup_path(given: Path | None) -> Path:
    """The user's file (never overwritten), else a fresh timestamped name in this folder."""
    if given is not None:
        if given.exists():
            raise UsageError(f"The backup file {given} already exists; figdesk does not "
                             "overwrite an earlier backup. Choose another with --backup.")
        return given
    first = Path.cwd() / default_backup_name()
    path, n = first, 1
    while path.exists():  # two runs within one second
        n += 1
        path = first.with_name(f"{first.stem}-{n}{first.suffix}")
    return path


def cmd_drafts(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args

    as_json = bool(getattr(args, "json", False))
    criteria = DraftCriteria(untitled=args.untitled, no_files=args.empty,
                             older_than_days=args.older_than, title_contains=args.match,
                             count_files=args.count_files)
    progress = _ProgressLines()
    client = client_from_args(args)
    try:
        candidates = find_drafts(client, criteria, progress)
        if as_json and not args.yes:
            output.print_json([_candidate_json(c) for c in candidates])
            if candidates:
                print(f"Nothing deleted: add --yes to delete {_drafts(len(candidates))}.",
                      file=sys.stderr)
            return EXIT_OK
        if not candidates:
            if as_json:
                output.print_json(_report_json([], None, CleanupReport()))
            else:
                print("No drafts match these filters.")
            return EXIT_OK
        n = len(candidates)
        backup = None if args.no_backup else _backup_path(args.backup)
        if not as_json:
            _print_table(candidates)
            print(f"{n} draft{' matches' if n == 1 else 's match'}.")
        if not args.yes:
            if not sys.stdin.isatty():
                print(f"figdesk: nothing deleted: confirmation is needed and the input is not "
                      f"a terminal; add --yes to delete {_drafts(n)}.", file=sys.stderr)
                return EXIT_FAIL
            requests = (4 if backup else 2) * n
            took = human_duration(estimate_seconds(client, requests))
            where = f" after a backup to {backup}" if backup else " WITHOUT a backup"
            pace = f" This takes {took} at Figshare's pace." if took else ""
            if not _ask(f"Delete {_drafts(n)}{where}?{pace} [y/N] "):
                print("Nothing deleted.")
                return EXIT_OK  # the user's choice, not a failure
        cancel = threading.Event()
        with _ctrl_c_cancels(cancel):
            if backup is not None:
                result = backup_drafts(client, candidates, backup, progress, cancel)
                print(f"Backed up {_drafts(len(result.backed_up), '')} to {result.path}",
                      file=sys.stderr)
            report = delete_drafts(client, candidates, progress, cancel)
    finally:
        client.close()
    if as_json:
        output.print_json(_report_json(candidates, backup, report))
    else:
        _print_report(report)
    return EXIT_OK if report.all_deleted else EXIT_FAIL
