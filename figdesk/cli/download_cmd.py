"""``figdesk download ID... [--dest DIR] [--public]``: every file of the items, verified."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from figdesk.cli import output
from figdesk.cli.progress_display import format_eta
from figdesk.core.errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("download", help="download every file of items (checked against "
                                        "Figshare's md5) into a folder per item")
    p.add_argument("ids", metavar="ID", type=int, nargs="+", help="item ids")
    p.add_argument("--dest", metavar="DIR", type=Path, default=Path("."),
                   help="where the item folders go (default: the current folder)")
    p.add_argument("--public", action="store_true",
                   help="the items' public versions, even of your own items")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_download)


class _Line:
    """One progress line on a terminal (redrawn a few times a second), nothing otherwise:
    the bytes of all the files, and which file is on its way."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.started = time.monotonic()
        self._drawn = 0.0

    def __call__(self, done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if not self.tty or (now - self._drawn < 0.2 and done != total):
            return
        self._drawn = now
        speed = done / max(now - self.started, 1e-6)
        share = f"{100 * done / total:3.0f}%" if total else output.human_size(done)
        eta = f"  ETA {format_eta((total - done) / speed)}" if total and speed > 0 else ""
        self.out.write(f"\r\x1b[K{output.clean(label)[:50]}  {share}  "
                       f"{output.human_size(int(speed))}/s{eta}")
        self.out.flush()

    def clear(self) -> None:
        if self.tty:
            self.out.write("\r\x1b[K")
            self.out.flush()


def cmd_download(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args
    from figdesk.core.workflows.download import Downloaded, Planned, fetch_all

    dest: Path = args.dest
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} is not a folder.")
    client = client_from_args(args)
    line = _Line(sys.stderr)
    results: list[dict[str, Any]] = []

    def report(item: Planned, status: str, reason: str, got: Downloaded | None) -> None:
        line.clear()
        entry: dict[str, Any] = {"item": item.article_id, "file": item.info.name,
                                 "status": status}
        if got is not None:
            entry.update(path=str(got.path), size=got.size, md5=got.md5)
        else:
            entry["reason"] = reason
        results.append(entry)
        shown = output.clean(str(item.relative))
        if status == "failed":
            print(f"figdesk: {shown}: {reason}", file=sys.stderr)
        elif args.json:
            return
        elif got is None:
            print(f"{status} {shown}: {reason}")
        else:
            print(f"{status}: {output.clean(str(got.path))} ({output.human_size(got.size)}, "
                  "md5 checked)")

    try:
        summary = fetch_all(client, args.ids, dest, public=args.public, progress=line,
                            report=report)
    finally:
        line.clear()
    failed = len(summary.failed)
    if args.json:
        output.print_json(results)
    elif failed:
        print(f"figdesk: {failed} file{'s' if failed != 1 else ''} not downloaded.",
              file=sys.stderr)
    return 1 if failed else 0
