"""``figdesk items list|show|create|update|publish|delete``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from figdesk.cli import output
from figdesk.core.errors import OfflineError, RateLimitedError, ServerError, UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    items = sub.add_parser("items", help="list, show, create, update, publish and delete items")
    isub = items.add_subparsers(dest="items_command", metavar="ACTION", required=True)

    def action(name: str, handler: Callable[[argparse.Namespace], int], help_: str,
               *, with_id: bool = True) -> argparse.ArgumentParser:
        p = isub.add_parser(name, help=help_)
        if with_id:
            p.add_argument("id", type=int)
        # SUPPRESS: `--json` after the action must not reset a global `--json` to False.
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        p.set_defaults(func=handler)
        return p

    p = action("list", cmd_list, "list every item of the account (all pages)", with_id=False)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--drafts", action="store_true", help="only items never published")
    which.add_argument("--public", action="store_true", help="only published items")

    action("show", cmd_show, "show an item's metadata and all its files")

    p = action("create", cmd_create, "create a draft item", with_id=False)
    p.add_argument("--title", required=True)
    p.add_argument("--metadata", metavar="FILE.json", type=Path,
                   help="other fields as a JSON object (Figshare's ArticleCreate fields)")

    queue_help = ("only add it to the queue: 'figdesk queue run' or the app does it, also "
                  "once Figshare can be reached again")
    p = action("update", cmd_update, "change an item's metadata (only the fields given)")
    p.add_argument("--metadata", metavar="FILE.json", type=Path, required=True)
    p.add_argument("--queue", action="store_true", help=queue_help)

    p = action("publish", cmd_publish, "publish an item (makes a new public version)")
    p.add_argument("--queue", action="store_true", help=queue_help)
    p = action("delete", cmd_delete, "delete a draft item (public items cannot be deleted)")
    p.add_argument("--queue", action="store_true", help=queue_help)


def read_metadata(path: Path) -> dict[str, Any]:
    """A metadata file: one JSON object. Anything else is a usage error said in words."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"The metadata file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"The metadata file {path} cannot be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"The metadata file {path} is not valid JSON: {exc.msg} at line "
                         f"{exc.lineno}, column {exc.colno}.") from None
    if not isinstance(data, dict):
        raise UsageError(f"The metadata file {path} must hold a JSON object "
                         "({\"title\": ..., ...}), not a list or a value.")
    return data


def cmd_list(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args

    client = client_from_args(args)
    items = client.list_my_articles()
    if args.drafts:
        items = [a for a in items if not a.is_public]
    elif args.public:
        items = [a for a in items if a.is_public]
    if args.json:
        output.print_json([a.raw for a in items])
        return 0
    output.print_table(
        ["ID", "STATUS", "TYPE", "CREATED", "TITLE"],
        ([str(a.id), a.status, a.defined_type_name or "-", output.short_date(a.created_date),
          a.title or "(untitled)"] for a in items))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args

    client = client_from_args(args)
    article = client.get_my_article(args.id)
    files = client.list_files(args.id)
    if args.json:
        # The embedded "files" of an item holds at most 10: replace it with the full list.
        output.print_json({**article.raw, "files": [f.raw for f in files]})
        return 0
    c = output.clean
    rows = [
        ("Title", c(article.title)), ("ID", str(article.id)), ("Status", article.status),
        ("Type", article.defined_type_name or "-"), ("DOI", article.doi or "-"),
        ("Authors", "; ".join(c(a.full_name) for a in article.authors) or "-"),
        ("Keywords", ", ".join(c(t) for t in article.tags) or "-"),
        ("Categories", ", ".join(c(x.title) for x in article.categories) or "-"),
        ("License", c(article.license.name) if article.license else "-"),
        ("Created", output.short_date(article.created_date)),
        ("Modified", output.short_date(article.modified_date)),
        ("Published", output.short_date(article.published_date)),
        ("URL", article.url_private_html or article.figshare_url or "-"),
    ]
    for label, value in rows:
        print(f"{label + ':':<12} {value}")
    total = sum(f.size for f in files)
    print(f"Files:       {len(files)} ({output.human_size(total)})")
    for f in files:
        mark = "verified" if f.verified else (f.status or "link")
        print(f"  {f.id:>10}  {output.human_size(f.size):>10}  {mark:<16} {c(f.name)}")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args

    metadata = read_metadata(args.metadata) if args.metadata else {}
    metadata["title"] = args.title
    client = client_from_args(args)
    created = client.create_article(metadata)
    if args.json:
        output.print_json({"id": created.id, "location": created.location,
                           "warnings": list(created.warnings)})
        return 0
    print(f"Created draft item {created.id}")
    for w in created.warnings:
        print(f"warning: {output.clean(w)}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args

    metadata = read_metadata(args.metadata)
    if args.queue:
        return _queue(args, "update_item", {"metadata": metadata}, "save metadata of")
    client = client_from_args(args)
    warnings = client.update_article(args.id, metadata)
    if args.json:
        output.print_json({"id": args.id, "warnings": list(warnings)})
        return 0
    print(f"Updated item {args.id}")
    for w in warnings:
        print(f"warning: {output.clean(w)}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args

    if args.queue:
        return _queue(args, "publish", {}, "publish")
    location = client_from_args(args).publish_article(args.id)
    if args.json:
        output.print_json({"id": args.id, "location": location})
    else:
        print(f"Published item {args.id}: {location}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args

    if args.queue:
        return _queue(args, "delete_item", {}, "delete")
    client_from_args(args).delete_article(args.id)
    if args.json:
        output.print_json({"id": args.id, "deleted": True})
    else:
        print(f"Deleted item {args.id}")
    return 0


def _queue(args: argparse.Namespace, kind_value: str, payload: dict[str, Any], what: str) -> int:
    """Add one item job to the queue, without waiting for Figshare (it may be unreachable)."""
    from figdesk.cli.main import client_from_args
    from figdesk.core.queue import JobKind, QueueStore, article_key, owner_stamp

    kind = JobKind(kind_value)
    client = client_from_args(args)
    try:
        # The owner is the account whose token runs the job; an admin's jobs name none.
        account = None if args.impersonate is not None else client.ping().id
    except (OfflineError, ServerError, RateLimitedError):
        account = None       # queued for whichever account this token is, when it answers
    acting = {"impersonate": args.impersonate} if args.impersonate is not None else {}
    with QueueStore() as store:
        job = store.add(kind, article_key(args.id), {**payload, **acting},
                        owner=owner_stamp(client.api_url, account))
    if args.json:
        output.print_json({"id": args.id, "queued": job.id, "kind": kind.value})
    else:
        print(f"Queued: {what} item {args.id} (job {job.id}; 'figdesk queue run' does it)")
    return 0
