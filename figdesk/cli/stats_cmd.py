"""``figdesk stats ID... [--stats URL]``: total views, downloads and shares of items."""

from __future__ import annotations

import argparse
import csv
import sys

from figdesk.cli import output
from figdesk.core.errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("stats", help="total views, downloads and shares of items (Figshare's "
                                     "stats service)")
    p.add_argument("ids", metavar="ID", type=int, nargs="+", help="item ids")
    p.add_argument("--stats", metavar="URL",
                   help="the stats service (default: https://stats.figshare.com for "
                        "figshare.com; needed for other hosts, e.g. a sandbox's STATS: line)")
    p.add_argument("--csv", action="store_true", help="print CSV (item_id, views, downloads, "
                                                      "shares)")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args
    from figdesk.core.api.transport import check_url
    from figdesk.core.api.usage import stats_url_for

    client = client_from_args(args)
    stats_url = args.stats or stats_url_for(client.api_url)
    if not stats_url:
        raise UsageError(f"The stats service of {client.api_url} is not known: give it "
                         "with --stats URL.")
    check_url(stats_url)
    totals = [client.item_totals(stats_url, article_id) for article_id in args.ids]
    if args.json:
        output.print_json([{"item_id": t.article_id, "total_views": t.views,
                            "total_downloads": t.downloads, "total_shares": t.shares}
                           for t in totals])
    elif args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["item_id", "total_views", "total_downloads", "total_shares"])
        writer.writerows([t.article_id, t.views, t.downloads, t.shares] for t in totals)
    else:
        print(f"{'item':>12}  {'views':>10}  {'downloads':>10}  {'shares':>8}")
        for t in totals:
            print(f"{t.article_id:>12}  {t.views:>10,}  {t.downloads:>10,}  {t.shares:>8,}")
    return 0
