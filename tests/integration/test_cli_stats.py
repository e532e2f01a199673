"""``figdesk stats``: items' totals from the stats service, which never sees the token."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from figdesk.cli.main import main
from figdesk.core.api.usage import stats_url_for


def run(capsys: pytest.CaptureFixture[str], sb: Any, *args: str) -> tuple[int, str, str]:
    code = main(["--api", sb.api_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_totals_of_items_match_the_stats_service(sandbox: Any, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGSHARE_TOKEN", sandbox.token)
    code, out, err = run(capsys, sandbox, "items", "list", "--public", "--json")
    ids = [item["id"] for item in json.loads(out)[:3]] + [999_999_999]   # and an unknown one
    sandbox.requests.clear()
    code, out, err = run(capsys, sandbox, "--json", "stats", *map(str, ids), "--stats",
                         sandbox.stats_url)
    assert code == 0, err
    rows = json.loads(out)
    for row, article_id in zip(rows, ids, strict=True):
        for counter in ("views", "downloads", "shares"):
            truth = requests.get(f"{sandbox.stats_url}/total/{counter}/article/{article_id}",
                                 timeout=10).json()["totals"]
            assert row["item_id"] == article_id and row[f"total_{counter}"] == truth
    assert rows[-1]["total_views"] == 0                  # unknown: zero, not an error
    assert rows[0]["total_views"] > 0
    stats = [r for r in sandbox.requests if r.service == "stats"]
    assert len(stats) >= 3 * len(ids)
    assert not any("authorization" in {k.lower() for k in r.headers} for r in stats)

    code, out, err = run(capsys, sandbox, "stats", str(ids[0]), "--stats", sandbox.stats_url,
                         "--csv")
    assert code == 0 and out.splitlines()[0] == "item_id,total_views,total_downloads,total_shares"
    assert out.splitlines()[1].startswith(f"{ids[0]},{rows[0]['total_views']},")


def test_an_unknown_stats_service_is_asked_for(sandbox: Any, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGSHARE_TOKEN", sandbox.token)
    code, _out, err = run(capsys, sandbox, "stats", "1")
    assert code == 2 and "--stats URL" in err and len(err.strip().splitlines()) == 1
    code, _out, err = run(capsys, sandbox, "stats", "1", "--stats", "http://stats.example.org")
    assert code == 2 and "https" in err
    assert stats_url_for("https://api.figshare.com/v2") == "https://stats.figshare.com"
