"""The first commands, end to end against the in-process sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from figdesk.cli.main import main

PUBLISHABLE = {
    "description": "Measurements of things.",
    "keywords": ["measurement", "things"],
    "defined_type": "dataset",
    "license": 1,
    "is_metadata_record": True,
    "metadata_reason": "Data held elsewhere",
}


def run(capsys: pytest.CaptureFixture[str], sb: Any, *args: str) -> tuple[int, str, str]:
    code = main(["--api", sb.api_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_env(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("FIGSHARE_TOKEN", sandbox.token)
    return sandbox


def test_whoami(cli_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, cli_env, "whoami")
    assert code == 0, err
    assert "@" in out and "Account:" in out
    code, out, _ = run(capsys, cli_env, "--json", "whoami")
    assert code == 0 and json.loads(out)["id"] > 0


def test_items_lifecycle(cli_env: Any, capsys: pytest.CaptureFixture[str],
                         tmp_path: Path) -> None:
    code, out, err = run(capsys, cli_env, "items", "list", "--json")
    assert code == 0, err
    before = json.loads(out)
    assert before, "the sandbox ships sample items"

    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"description": "first draft", "keywords": ["a"]}))
    code, out, err = run(capsys, cli_env, "--json", "items", "create", "--title",
                         "CLI test item", "--metadata", str(meta))
    assert code == 0, err
    item_id = json.loads(out)["id"]

    code, out, _ = run(capsys, cli_env, "items", "list", "--drafts", "--json")
    assert item_id in [i["id"] for i in json.loads(out)]
    code, out, _ = run(capsys, cli_env, "items", "list", "--public", "--json")
    assert item_id not in [i["id"] for i in json.loads(out)]

    code, out, err = run(capsys, cli_env, "items", "publish", str(item_id))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "mandatory" in err.lower()

    meta.write_text(json.dumps(PUBLISHABLE))
    code, out, err = run(capsys, cli_env, "items", "update", str(item_id), "--metadata",
                         str(meta))
    assert code == 0, err
    code, out, err = run(capsys, cli_env, "items", "show", str(item_id), "--json")
    shown = json.loads(out)
    assert shown["title"] == "CLI test item" and shown["description"] == "Measurements of things."

    code, out, err = run(capsys, cli_env, "items", "show", str(item_id))
    assert code == 0 and "CLI test item" in out and "Status:" in out

    code, out, err = run(capsys, cli_env, "items", "publish", str(item_id))
    assert code == 0, err
    code, out, err = run(capsys, cli_env, "items", "delete", str(item_id))
    assert code == 1 and len(err.strip().splitlines()) == 1, "a public item cannot be deleted"

    code, out, err = run(capsys, cli_env, "--json", "items", "create", "--title", "Draft to go")
    draft_id = json.loads(out)["id"]
    code, out, err = run(capsys, cli_env, "items", "delete", str(draft_id))
    assert code == 0, err
    code, out, err = run(capsys, cli_env, "items", "show", str(draft_id))
    assert code == 1 and "not found" in err.lower()


def test_lists_every_page(sandbox_many: Any, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGSHARE_TOKEN", sandbox_many.token)
    code, out, err = run(capsys, sandbox_many, "items", "list", "--json")
    assert code == 0, err
    ids = [i["id"] for i in json.loads(out)]
    assert len(ids) == len(set(ids)) and len(ids) >= 2500


@pytest.fixture
def sandbox_many() -> Any:
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, items=2500)) as sb:
        yield sb


@pytest.mark.parametrize("content, message", [
    ("{oops", "not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
])
def test_bad_metadata_file_is_usage_error(cli_env: Any, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path, content: str, message: str) -> None:
    meta = tmp_path / "m.json"
    meta.write_text(content)
    code, _out, err = run(capsys, cli_env, "items", "create", "--title", "x", "--metadata",
                         str(meta))
    assert code == 2 and message in err and "Traceback" not in err
    code, _out, err = run(capsys, cli_env, "items", "update", "1", "--metadata",
                         str(tmp_path / "missing.json"))
    assert code == 2 and "does not exist" in err


def test_failures_are_one_line_without_the_token(sandbox: Any,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGSHARE_TOKEN", "not-a-valid-token-0123456789")
    code, out, err = run(capsys, sandbox, "whoami")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "token" in err.lower() and "not-a-valid-token-0123456789" not in err + out

    monkeypatch.setenv("FIGSHARE_TOKEN", sandbox.token)
    code = main(["--api", "http://127.0.0.1:9/v2", "whoami"])  # nothing listens on port 9
    out, err = capsys.readouterr()
    assert code == 1 and "reach" in err.lower() and sandbox.token not in err

    code = main(["--api", "http://api.example.org/v2", "whoami"])
    out, err = capsys.readouterr()
    assert code == 2 and "http" in err.lower()

    code = main(["items", "frobnicate"])
    out, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_no_token_anywhere_is_explained(sandbox: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, sandbox, "whoami")
    assert code == 1 and "figdesk login" in err


def test_sandbox_command_prints_its_addresses_first(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "figdesk", "sandbox", "--port", "0",
                             "--token", "tok-cli-test"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        assert first.startswith("API: http://127.0.0.1:") and first.rstrip().endswith("/v2")
        assert second.strip() == "TOKEN: tok-cli-test"
        rest = [proc.stdout.readline().split(":")[0] for _ in range(3)]
        assert rest == ["UPLOADS", "STATS", "DOWNLOADS"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_headless_demo_lists_the_sandbox_items_then_stops_on_sigterm() -> None:
    """What `tools/run.sh` shows on a machine without a screen."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "figdesk.cli.demo"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("The sandbox serves until Ctrl-C"):
            line = proc.stdout.readline()
            assert line, f"demo ended early: {lines} {proc.stderr.read() if proc.stderr else ''}"
            lines.append(line)
        text = "".join(lines)
        assert "ID" in text and "TITLE" in text and "My example dataset" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_update_publish_and_delete_can_be_queued(cli_env: Any, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    code, out, err = run(capsys, cli_env, "--json", "items", "create", "--title", "Queued edits")
    item_id = json.loads(out)["id"]
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({**PUBLISHABLE, "title": "Queued edits, saved"}))
    code, out, err = run(capsys, cli_env, "items", "update", str(item_id), "--metadata",
                         str(meta), "--queue")
    assert code == 0 and "Queued: save metadata of item" in out, err
    code, out, err = run(capsys, cli_env, "--json", "items", "publish", str(item_id), "--queue")
    assert code == 0 and json.loads(out)["kind"] == "publish", err
    code, out, _ = run(capsys, cli_env, "items", "show", str(item_id), "--json")
    assert json.loads(out)["title"] == "Queued edits"          # nothing done yet
    code, out, err = run(capsys, cli_env, "queue", "run")
    assert code == 0, err
    code, out, _ = run(capsys, cli_env, "items", "show", str(item_id), "--json")
    shown = json.loads(out)
    assert shown["title"] == "Queued edits, saved" and shown["status"] == "public"

    # With Figshare out of reach the job is queued all the same, and runs once it is back.
    code, out, err = run(capsys, cli_env, "--json", "items", "create", "--title", "Doomed draft")
    draft_id = json.loads(out)["id"]
    cli_env.stop()
    try:
        code, out, err = run(capsys, cli_env, "items", "delete", str(draft_id), "--queue")
        assert code == 0 and "Queued: delete item" in out, err
    finally:
        cli_env.start()
    code, out, err = run(capsys, cli_env, "queue", "run")
    assert code == 0, err
    code, out, err = run(capsys, cli_env, "items", "show", str(draft_id))
    assert code == 1 and "not found" in err.lower()
