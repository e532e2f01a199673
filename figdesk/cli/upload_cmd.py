"""``figdesk upload PATH... (--item ID | --new TITLE)``: through the queue, in the foreground.

The jobs are queued first and then run here, so a kill -9 loses nothing: ``figdesk queue
run`` finishes the work, and running the same command again finds its unfinished jobs (same
files by path, size and mtime, same target) instead of starting a second item or file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from figdesk.cli import output
from figdesk.cli.queue_cmd import report, run_foreground
from figdesk.core.errors import OfflineError, UsageError
from figdesk.core.queue import JobState, QueueStore, RunnerOptions, owner_stamp
from figdesk.core.queue.enqueue import QueuedUpload, enqueue_upload, upload_signature
from figdesk.core.upload import UploadOptions

_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?b|bit)?(?:/s|ps)?\s*$", re.IGNORECASE)


def parse_rate(text: str) -> float:
    """Bytes per second from ``500K``, ``10M``, ``1.5MB/s``, ``800kbit``. K/M/G are binary
    multiples, as sizes are shown; ``bit`` means bits."""
    m = _RATE.match(text or "")
    if not m:
        raise UsageError(f"'{text}' is not a rate; write e.g. 500K, 10M or 1.5MB/s.")
    value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if (m.group(3) or "").lower() == "bit":
        value /= 8
    if value <= 0:
        raise UsageError("The rate limit must be more than zero.")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("upload", help="upload files or folders to a new or existing item")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files and folders")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--item", type=int, metavar="ID", help="an existing item")
    target.add_argument("--new", metavar="TITLE", help="create a new draft item with this title")
    p.add_argument("--metadata", metavar="FILE.json", type=Path,
                   help="fields for the new item (Figshare's ArticleCreate), e.g. to publish")
    p.add_argument("--publish", action="store_true", help="publish the item when all is up")
    p.add_argument("--parts", type=int, default=4, metavar="N", help="parts in flight per file")
    p.add_argument("--files", type=int, default=2, metavar="N", help="files at once")
    p.add_argument("--limit-rate", metavar="RATE", help="bandwidth cap, e.g. 500K, 10M, 1.5MB/s")
    p.add_argument("--dry-run", action="store_true", help="check and say what would happen")
    p.add_argument("--zip", action="store_true", help="pack each folder into one zip file")
    p.add_argument("--queue", action="store_true",
                   help="only add to the queue ('figdesk queue run' or the app uploads later)")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_upload)


def _zip_folders(paths: list[str], options: UploadOptions) -> list[str]:
    """Replace each folder by a zip kept in the data dir, so the queue still finds it after a
    restart; the same folder contents give the same zip (reused, so a rerun matches)."""
    from figdesk.core.paths import data_dir
    from figdesk.core.upload.folders import pack_folder_zip, walk_folder

    out = []
    for path in paths:
        if not os.path.isdir(path):
            out.append(path)
            continue
        listing = [(p, f, os.stat(p).st_size, os.stat(p).st_mtime_ns)
                   for p, f in walk_folder(path, options)]
        digest = hashlib.sha256(json.dumps([os.path.abspath(path), listing]).encode())
        dest = data_dir() / "zips" / digest.hexdigest()[:20]
        name = (os.path.basename(os.path.abspath(path).rstrip(os.sep)) or "folder") + ".zip"
        if not (dest / name).exists():
            dest.mkdir(parents=True, exist_ok=True)
            pack_folder_zip(path, options, str(dest))
        out.append(str(dest / name))
    return out


def cmd_upload(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args
    from figdesk.core.upload.preflight import preflight

    if args.parts < 1 or args.files < 1:
        raise UsageError("--parts and --files must be at least 1.")
    if args.new is not None and not args.new.strip():
        raise UsageError("--new needs a title.")
    for path in args.paths:
        if not os.path.exists(path):
            raise UsageError(f"{path} does not exist.")
    if args.metadata is not None and args.new is None:
        raise UsageError("--metadata goes with --new (use 'figdesk items update' for an item).")
    metadata: dict[str, Any] = {}
    if args.metadata is not None:
        from figdesk.cli.items_cmd import read_metadata

        metadata = read_metadata(args.metadata)
    rate = parse_rate(args.limit_rate) if args.limit_rate else None
    upload_opts = UploadOptions(parts_in_flight=args.parts, files_in_flight=args.files,
                                limit_rate=rate, zip_folder=args.zip)
    paths = _zip_folders(list(args.paths), upload_opts) if args.zip else list(args.paths)
    article_id = args.item

    # The local checks first (no network): they name the files, and so the signature that
    # finds this same command's unfinished jobs.
    local = preflight(None, [], paths, upload_opts, article_id=article_id or 0)
    if not local.ok:
        for line in local.lines():
            print(f"figdesk: {line}", file=sys.stderr)
        return 1
    signature = upload_signature(local.uploads, article_id=article_id,
                                 new_title=args.new.strip() if args.new else None,
                                 publish=args.publish,
                                 extra={**metadata, "impersonate": args.impersonate})
    client = client_from_args(args)
    with QueueStore() as store:
        existing = store.find_open_group(signature)
        if existing is not None and not args.dry_run:
            # The same command again: it means "finish it", so failed or paused jobs of
            # that earlier run are tried again too.
            for job in store.list(group_id=existing):
                if job.state in (JobState.FAILED, JobState.PAUSED, JobState.CANCELLED):
                    store.update(job.id, state=JobState.QUEUED, error="", error_kind="",
                                 attempts=0, request="")
            queued = QueuedUpload(existing, tuple(store.list(group_id=existing)), resumed=True)
        else:
            report_ = local
            online = True
            try:
                report_ = preflight(client, [] if article_id is None else None, paths,
                                    upload_opts, article_id=article_id or 0)
            except OfflineError:
                online = False   # queue anyway: the runner waits for Figshare
            if args.dry_run:
                return _dry_run(args, report_, online)
            if not report_.ok:
                for line in report_.lines():
                    print(f"figdesk: {line}", file=sys.stderr)
                return 1
            if not report_.uploads:
                print("Nothing to upload: " + "; ".join(report_.lines()))
                return 0
            for line in report_.lines():      # what pre-flight left out, and why
                print(output.clean(line), file=sys.stderr)
            queued = enqueue_upload(
                store, report_.uploads, article_id=article_id,
                new_metadata={**metadata, "title": args.new.strip()} if args.new else None,
                publish=args.publish, signature=signature,
                label=args.new or f"item {article_id}", impersonate=args.impersonate,
                # The owner is the account whose token runs the jobs; pre-flight saw the
                # impersonated one, so an admin's jobs name no account.
                owner=owner_stamp(client.api_url, report_.account.id
                                  if report_.account and args.impersonate is None else None))
        _say_queued(args, queued)
        if args.queue:
            return 0
        options = RunnerOptions(files_at_once=args.files, upload=upload_opts)
        group = queued.group_id
        result = run_foreground(store, client, options, scope=lambda j: j.group_id == group,
                                json_out=args.json)
    return report(result, json_out=args.json)


def _say_queued(args: argparse.Namespace, queued: QueuedUpload) -> None:
    n = len(queued.upload_jobs)
    verb = "Resuming" if queued.resumed else ("Queued" if args.queue else "Uploading")
    target = f"item {args.item}" if args.item else f"new item {args.new!r}"
    if args.json and args.queue:
        output.print_json({"group": queued.group_id, "resumed": queued.resumed,
                           "jobs": [j.to_json() for j in queued.jobs]})
    elif not args.json:
        print(f"{verb} {n} file{'s' if n != 1 else ''} to {target} (jobs "
              f"{', '.join(str(j.id) for j in queued.jobs)}).")


def _dry_run(args: argparse.Namespace, rep: Any, online: bool) -> int:
    from figdesk.core.upload.preflight import describe

    target = f"item {args.item}" if args.item else f"a new item titled {args.new!r}"
    if args.json:
        output.print_json({**describe(rep), "target": target, "publish": args.publish,
                           "checked_online": online})
        return 0 if rep.ok else 1
    print(f"Would upload {len(rep.uploads)} files ({output.human_size(rep.total_bytes)}) "
          f"to {target}" + (", then publish it." if args.publish else "."))
    for fu in rep.uploads:
        where = f"{fu.folder_path}/{fu.name}" if fu.folder_path else fu.name
        print(f"  {output.human_size(fu.size):>10}  {where}  ({Path(fu.path)})")
    for line in rep.lines():
        print(f"  {line}")
    if not online:
        print("  (Figshare could not be reached: quota and existing files not checked)")
    return 0 if rep.ok else 1

