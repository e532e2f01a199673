"""Figshare's own example scripts (API resources page) run against the sandbox, changed only in
their placeholder lines: base URL, token, file path, and where the page says "INSERT CODE TO
COLLECT ITEM IDS HERE", the page's own "Retrieve item ids in your account" script."""

from __future__ import annotations

import ast
import hashlib
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from . import page_examples
from .conftest import Api

SCRIPTS = Path(__file__).parent / "scripts"
pytestmark = pytest.mark.usefixtures("resources_page_present")

# Placeholder lines, matched by what the page prints on them.
PAGE_BASE = r"^BASE_URL = 'https://api\.figshare\.com/v2'"
PAGE_TOKEN_HEADER = r"^api_call_headers = \{'Authorization': 'token ENTER-TOKEN'\}"
INSERT_IDS = r"^#---INSERT CODE TO COLLECT ITEM IDS HERE----$"


def prepare(name: str, subs: list[tuple[str, str]]) -> str:
    """The script's text with each placeholder line (exactly one line per pattern) replaced,
    indentation kept."""
    lines = (SCRIPTS / f"{name}.py").read_text(encoding="utf-8").splitlines()
    for pattern, replacement in subs:
        rx = re.compile(pattern)
        hits = [i for i, line in enumerate(lines) if rx.search(line)]
        assert len(hits) == 1, f"{name}: placeholder {pattern!r} matched lines {hits}"
        line = lines[hits[0]]
        indent = line[: len(line) - len(line.lstrip())]
        lines[hits[0]] = "\n".join(indent + r for r in replacement.splitlines())
    return "\n".join(lines) + "\n"


def run(code: str, cwd: Path, timeout: float = 120) -> str:
    """Run ``code`` with this interpreter (the venv's python) in ``cwd``; return its stdout."""
    cwd.mkdir(parents=True, exist_ok=True)
    script = cwd / "script.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, (
        f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done.stdout


def account_ids_code(sb: Any, token: str) -> str:
    """The page's "Retrieve item ids in your account", ready to run against ``sb``."""
    return prepare(
        "item_ids_account",
        [
            (PAGE_BASE, f"BASE_URL = '{sb.api_url}'"),
            (PAGE_TOKEN_HEADER, f"api_call_headers = {{'Authorization': 'token {token}'}}"),
        ],
    )


def _api(sb: Any, checker: Any, token: str | None = None) -> Api:
    return Api(sb.api_url, token or sb.token, checker)


def _all_own(api: Api) -> list[dict[str, Any]]:
    return list(
        api.check.check_response(api.get("/account/articles", params={"page_size": 1000}), 200).body
    )


def test_retrieve_data(fresh_sandbox: Any, tmp_path: Path) -> None:
    code = prepare("retrieve_item", [(PAGE_BASE, f"BASE_URL = '{fresh_sandbox.api_url}'")])
    printed = json.loads(run(code, tmp_path))
    # Same values as the page's real output (URLs compared by path: the hosts are the sandbox's).
    assert page_examples.differences(printed, page_examples.retrieve_item_output()) == []


def test_authenticate_lists_the_page_items(fresh_sandbox: Any, tmp_path: Path) -> None:
    code = prepare(
        "authenticate_list",
        [
            (PAGE_BASE, f"BASE_URL = '{fresh_sandbox.api_url}'"),
            (
                PAGE_TOKEN_HEADER,
                f"api_call_headers = {{'Authorization': 'token {fresh_sandbox.token}'}}",
            ),
        ],
    )
    printed = ast.literal_eval(run(code, tmp_path))  # the script prints the Python list
    expected = page_examples.account_listing_output()
    assert [a["id"] for a in printed] == [a["id"] for a in expected]
    assert page_examples.differences(printed, expected) == []


def test_send_data_creates_an_item(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    _, token = sandbox.add_account(first_name="Send", last_name="Data", email="send@example.org")
    code = prepare(
        "send_data",
        [
            (PAGE_BASE, f"BASE_URL = '{sandbox.api_url}'"),
            (PAGE_TOKEN_HEADER, f"api_call_headers = {{'Authorization': 'token {token}'}}"),
        ],
    )
    assert run(code, tmp_path).strip() == "Successfully created item"
    api = _api(sandbox, checker, token)
    (item,) = _all_own(api)
    full = api.check.check_response(api.get(f"/account/articles/{item['id']}"), 200).body
    assert full["title"] == "Test metadata for upload"
    assert full["keywords"] == ["biodiversity", "invertebrate"]


def test_item_ids_in_account(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    out = run(account_ids_code(sandbox, sandbox.token) + "print(item_ids)\n", tmp_path)
    first, ids = out.splitlines()
    expected = [a["id"] for a in _all_own(_api(sandbox, checker))][:50]
    assert first == f"Collected {len(expected)} metadata records"
    assert ast.literal_eval(ids) == expected


def test_item_ids_by_search(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    code = prepare("item_ids_search", [(PAGE_BASE, f"BASE_URL = '{sandbox.api_url}'")])
    out = run(code + "print(item_ids)\n", tmp_path).splitlines()
    # What the same searches find when asked with a JSON body, every page at once.
    api = _api(sandbox, checker)
    found: list[int] = []
    for category in ("'History and Philosophy of the Humanities'", "'Environmental Humanities'"):
        resp = api.as_token(None).post(
            "/articles/search", json={"search_for": f":category: {category}", "page_size": 1000}
        )
        found += [a["id"] for a in api.check.check_response(resp, 200).body]
    unique = list(dict.fromkeys(found))
    # The sample items include some in these categories, and the filter really filters.
    everything = api.check.check_response(
        api.as_token(None).get("/articles", params={"page_size": 1000}), 200
    )
    assert 0 < len(unique) < len(everything.body)
    assert out[0] == f"{len(found)} items retrieved"
    assert (
        out[1]
        == f"{len(found) - len(unique)} duplicate records removed, {len(unique)} unique records remain"
    )
    assert ast.literal_eval(out[2]) == unique


def test_full_metadata(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    code = prepare(
        "full_metadata",
        [
            (INSERT_IDS, account_ids_code(sandbox, sandbox.token)),
            (PAGE_BASE, f"BASE_URL = '{sandbox.api_url}'"),
        ],
    )
    out = run(code + "print(json.dumps(full_records))\n", tmp_path).splitlines()
    expected_ids = [a["id"] for a in _all_own(_api(sandbox, checker))][:50]
    assert out[0] == f"Collected {len(expected_ids)} metadata records"
    assert out[1] == f"{len(expected_ids)} metadata records collected"
    records = json.loads(out[2])
    assert [r["id"] for r in records] == expected_ids
    for record in records:
        checker.check_component("ArticleCompletePrivate", record)


def test_views_and_downloads(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    code = prepare(
        "views_downloads",
        [
            (INSERT_IDS, account_ids_code(sandbox, sandbox.token)),
            (r"^BASE_URL = 'https://stats\.figshare\.com'$", f"BASE_URL = '{sandbox.stats_url}'"),
        ],
    )
    out = run(code, tmp_path).splitlines()
    rows = json.loads(out[-1])
    ids = [a["id"] for a in _all_own(_api(sandbox, checker))][:3]
    assert [r["item_id"] for r in rows] == ids
    for row in rows:
        for counter, key in (("views", "total_views"), ("downloads", "total_downloads")):
            direct = requests.get(
                f"{sandbox.stats_url}/total/{counter}/article/{row['item_id']}", timeout=30
            )
            assert row[key] == direct.json()["totals"]


def test_create_linked_record_and_publish(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    _, token = sandbox.add_account(
        first_name="Linked", last_name="Record", email="linked@example.org"
    )
    token_file = tmp_path / "token.txt"
    token_file.write_text(token)
    code = prepare(
        "create_linked_record",
        [
            (
                r'^text_file = open\("symp-figsh-token\.txt", "r"\)',
                f'text_file = open("{token_file}", "r")',
            ),
            # The page leaves this line commented out, yet the script needs it ("Or add your
            # token as plain text"): it is the token-setting line, so it is the one we set.
            (
                r"^#api_call_headers = \{'Authorization': 'token ' \+ TOKEN\}$",
                "api_call_headers = {'Authorization': 'token ' + TOKEN}",
            ),
            (PAGE_BASE, f"BASE_URL = '{sandbox.api_url}'"),
        ],
    )
    out = run(code, tmp_path / "run").strip()
    match = re.fullmatch(r"The record is created and available here: (\S+)", out)
    assert match, out
    api = _api(sandbox, checker, token)
    (item,) = _all_own(api)
    assert match.group(1).rstrip("/").endswith(f"/articles/{item['id']}")
    full = api.check.check_response(api.get(f"/account/articles/{item['id']}"), 200).body
    assert full["title"] == "Producing performance-advantaged bioplastics"
    assert full["status"] == "public" and full["is_public"] is True
    assert full["resource_doi"] == "10.1038/s41557-022-01030-y"
    files = api.check.check_response(api.get(f"/account/articles/{item['id']}/files"), 200).body
    assert [f["is_link_only"] for f in files] == [True]
    public = api.as_token(None).get(f"/articles/{item['id']}")
    assert api.check.check_response(public, 200).body["is_public"] is True


def test_upload_files(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    data = random.Random(7).randbytes(200_000)  # four 64 KiB parts at the fixture's part size
    (tmp_path / "upload.bin").write_bytes(data)
    _, token = sandbox.add_account(first_name="Up", last_name="Loader", email="upload@example.org")
    code = prepare(
        "upload_files",
        [
            (
                r"^BASE_URL = 'https://api\.figshare\.com/v2/\{endpoint\}'$",
                f"BASE_URL = '{sandbox.api_url}/{{endpoint}}'",
            ),
            (r"^TOKEN = 'ENTER TOKEN BETWEEN QUOTES'$", f"TOKEN = '{token}'"),
            (r"^FILE_PATH = 'FILE NAME'", "FILE_PATH = 'upload.bin'"),
        ],
    )
    out = run(code, tmp_path)
    api = _api(sandbox, checker, token)
    (item,) = _all_own(api)
    assert item["title"] == "Uploaded through API"
    uploaded = re.findall(r"^  Uploaded part (\d+) from (\d+) to (\d+)$", out, re.MULTILINE)
    assert [int(p[0]) for p in uploaded] == [1, 2, 3, 4]
    assert int(uploaded[-1][2]) == len(data) - 1
    files = api.check.check_response(api.get(f"/account/articles/{item['id']}/files"), 200).body
    (f,) = files
    # The script's last listing shows the file.
    assert out.rstrip().endswith(
        f"Listing files for article {item['id']}:\n  {f['id']} - upload.bin"
    )
    deadline = time.monotonic() + 20
    while f["status"] not in ("available", "ic_failure") and time.monotonic() < deadline:
        time.sleep(0.02)
        f = api.check.check_response(
            api.get(f"/account/articles/{item['id']}/files/{f['id']}"), 200
        ).body
    assert (f["status"], f["computed_md5"]) == ("available", hashlib.md5(data).hexdigest())


def test_delete_account_items(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    _, token = sandbox.add_account(first_name="Del", last_name="Eter", email="delete@example.org")
    api = _api(sandbox, checker, token)
    drafts = [api.create_article(f"Draft to delete {i}") for i in range(3)]
    public = api.create_article(
        "Published, cannot be deleted",
        description="d",
        keywords=["k"],
        defined_type="dataset",
        license=1,
        authors=[{"name": "A Person"}],
    )
    api.check.check_response(
        api.post(f"/account/articles/{public}/files", json={"link": "https://example.org/a"}), 201
    )
    api.check.check_response(api.post(f"/account/articles/{public}/publish"), 201)
    listed = [a["id"] for a in _all_own(api)]
    assert sorted(listed) == sorted([*drafts, public])
    code = prepare(
        "delete_account_items",
        [
            (r"^TOKEN = 'ENTER TOKEN BETWEEN SINGLE QUOTES'$", f"TOKEN = '{token}'"),
            (r"^BASE_URL = 'https://api\.figsh\.com/v2'", f"BASE_URL = '{sandbox.api_url}'"),
        ],
    )
    out = run(code, tmp_path).splitlines()
    assert out[0] == "4 metadata records collected"
    prefix = "If you need to unpublish items, paste these ids (no square brackets) in your admin interface: "
    assert out[1] == prefix + str(listed)
    # Drafts are gone; the public item stays (public items cannot be deleted) and the
    # script counts the refused delete as its one error.
    assert [a["id"] for a in _all_own(api)] == [public]
    assert out[2] == "1 errors!"
    assert out[3].startswith(f"Fail descriptions: ['{public}:")


def test_batch_linked_records(sandbox: Any, checker: Any, tmp_path: Path) -> None:
    _, token = sandbox.add_account(
        first_name="Batch", last_name="Import", email="batch@example.org"
    )
    code = prepare(
        "batch_linked_records",
        [
            (r'^TOKEN = "ENTER TOKEN HERE WITH QUOTES"$', f'TOKEN = "{token}"'),
            (PAGE_BASE, f"BASE_URL = '{sandbox.api_url}'"),
        ],
    )
    out = run(code, tmp_path).splitlines()
    assert out == [
        "2 records are ready for upload.",
        "2 records created and updated. There were 0 records that were not created at all.",
        "There were 0 records created but with a failed DOI link.",
        "Failed record descriptions: []",
    ]
    api = _api(sandbox, checker, token)
    items = _all_own(api)
    assert len(items) == 2
    for item in items:
        full = api.check.check_response(api.get(f"/account/articles/{item['id']}"), 200).body
        assert full["defined_type_name"] == "journal contribution"
        assert full["resource_doi"] and full["resource_title"] == full["title"]
        # The author update replaced the owner with the publication's authors.
        assert all(a["full_name"] != "Batch Import" for a in full["authors"]) and full["authors"]
        files = api.check.check_response(api.get(f"/account/articles/{item['id']}/files"), 200).body
        assert [(f["is_link_only"], f["download_url"]) for f in files] == [
            (True, f"https://doi.org/{full['resource_doi']}")
        ]
