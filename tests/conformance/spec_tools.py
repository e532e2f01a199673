"""Figshare's OpenAPI spec, relaxed only where the live service is known to differ, and the
validators the conformance tests run every sandbox response through.

The spec is read from the shared folder beside the repository (CI clones the repo with a copy
of ``shared/`` next to it). The relaxations are exactly the ones listed in
``shared/figshare-api/README.md``:

* every schema property also admits ``null`` (Figshare sends ``null`` for blank fields);
* ``ErrorMessage.code`` admits a string as well as an integer;
* the upload service is validated against the ``UploadInfo``/``UploadFilePart`` component
  schemas (it is not in the spec's paths);
* file ``status`` values are checked against NOTES.md §5, since the spec lists none;
* ``CustomArticleField.value`` admits what the spec's own description and request twin say
  (string, list of strings, object), not only the "object" its type says;
* requests without a Content-Type and search parameters in the query string are accepted
  (that concerns only the requests Figshare's own scripts send; our own requests are valid
  and are validated as such).

Anything else the sandbox sends that the spec forbids is a failure.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from jsonschema.exceptions import ValidationError
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.validation.response.exceptions import MissingData
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

# <repo>/tests/conformance/spec_tools.py -> parents[2] is the repo; shared/ sits beside it.
SHARED_DIR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "figshare-api").resolve()
SPEC_PATH = SHARED_DIR / "swagger.json"
RESOURCES_PAGE = SHARED_DIR / "api-resources-page.md"

# NOTES.md §5 step 9: the file states seen on the live service (absent from the spec).
FILE_STATUSES = frozenset({"created", "ic_checking", "moving_to_final", "available", "ic_failure"})

# Keys the live service sends that no schema names: ``posted`` in the timelines of the
# resources page's real outputs (test_validator proves it is all those outputs need), and the
# optional ``data`` of error bodies (Figshare's error docs; real examples in NOTES.md §2.4).
LIVE_EXTRA_KEYS = frozenset({("Timeline", "posted"), ("ErrorMessage", "data")})

# A schema that admits only null. OAS 3.0 has no "null" type: nullable needs a type beside it.
_NULL_ONLY: dict[str, Any] = {"type": "object", "nullable": True, "enum": [None]}


def load_spec() -> dict[str, Any]:
    """The unmodified spec as a dict (the caller skips when the file is absent)."""
    with SPEC_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def _nullable(prop: Any) -> Any:
    """Return ``prop`` widened to also admit null, keeping every other constraint."""
    if not isinstance(prop, dict):
        return prop
    if "$ref" in prop or (
        "type" not in prop and any(k in prop for k in ("allOf", "anyOf", "oneOf"))
    ):
        # Siblings of $ref are ignored in OAS 3.0 and nullable needs a type in the same
        # schema object, so null is offered as a separate alternative.
        return {"anyOf": [prop, _NULL_ONLY]}
    if "type" in prop:
        prop["nullable"] = True
        if "enum" in prop and None not in prop["enum"]:
            prop["enum"] = [*prop["enum"], None]
    return prop


def _relax(node: Any) -> None:
    """Walk every schema in place; each ``properties`` entry becomes nullable."""
    if isinstance(node, dict):
        for value in node.values():
            _relax(value)
        props = node.get("properties")
        if isinstance(props, dict):
            for name in list(props):
                props[name] = _nullable(props[name])
    elif isinstance(node, list):
        for value in node:
            _relax(value)


def relaxed_spec(spec: Mapping[str, Any], server_url: str | None = None) -> dict[str, Any]:
    """A deep copy of ``spec`` allowing README.md's documented differences (and the spec's
    own word on custom field values), nothing else."""
    out = copy.deepcopy(dict(spec))
    _relax(out["components"]["schemas"])
    _relax(out["paths"])
    # Real error codes are strings ("EntityNotFound"); the spec says integer.
    out["components"]["schemas"]["ErrorMessage"]["properties"]["code"] = {
        "anyOf": [{"type": "integer", "nullable": True}, {"type": "string"}]
    }
    # One more, beyond README.md's list, taken from the spec itself: CustomArticleField.value
    # is typed "object", yet its own description says "either a string or an array of
    # strings", its example is the string "value", and the request twin
    # (CustomArticleFieldAdd.value) declares exactly string | [string] | object.
    add_value = out["components"]["schemas"]["CustomArticleFieldAdd"]["properties"]["value"]
    out["components"]["schemas"]["CustomArticleField"]["properties"]["value"] = copy.deepcopy(
        add_value
    )
    # The spec's servers list is empty; the sandbox stands where api.figshare.com/v2 would.
    out["servers"] = [{"url": server_url or "https://api.figshare.com/v2"}]
    return out


# id(spec) -> (spec, relaxed copy); holding the spec keeps its id from being reused.
_RELAXED: dict[int, tuple[Mapping[str, Any], dict[str, Any]]] = {}


def _relaxed_base(key: int, spec: Mapping[str, Any]) -> dict[str, Any]:
    """One relaxed copy per loaded spec (shared read-only by every checker)."""
    if key not in _RELAXED:
        _RELAXED[key] = (spec, relaxed_spec(spec))
    return _RELAXED[key][1]


class ConformanceError(AssertionError):
    """A response (or request) that the relaxed spec rejects; the message says where."""


@dataclass(frozen=True)
class Checked:
    """A validated JSON response: its status and decoded body."""

    status: int
    body: Any


class SpecChecker:
    """Validates requests and responses of the Figshare API against the relaxed spec."""

    def __init__(self, spec: Mapping[str, Any], server_url: str, *, relax: bool = True) -> None:
        # relax=False gives the spec as published, for showing what the relaxation buys.
        base = _relaxed_base(id(spec), spec) if relax else copy.deepcopy(dict(spec))
        self.spec = base | {"servers": [{"url": server_url}]}
        # The relaxed spec is checked once as valid OpenAPI by test_validator; re-checking it
        # for every sandbox would cost a second or so each time.
        self.openapi = OpenAPI.from_dict(self.spec, config=Config(spec_validator_cls=None))
        resource = Resource.from_contents(self.spec, default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource("urn:figshare-spec", resource)

    # --- component schemas (upload service, error bodies) ----------------------------------

    def component_errors(self, name: str, instance: Any) -> list[str]:
        """Every violation of component schema ``name`` by ``instance``, as readable lines."""
        if name not in self.spec["components"]["schemas"]:
            raise KeyError(name)
        schema = {"$ref": f"urn:figshare-spec#/components/schemas/{name}"}
        validator = OAS30ReadValidator(schema, registry=self._registry)
        return [_describe(e) for e in validator.iter_errors(instance)]

    def check_component(self, name: str, instance: Any, *, required: Iterable[str] = ()) -> None:
        """Assert ``instance`` matches component ``name``; ``required`` adds keys the docs
        (not the schema) promise."""
        errors = self.component_errors(name, instance)
        errors += [
            f"{path}: key not in {owner}"
            for owner, path in unknown_keys(
                self.spec, {"$ref": f"#/components/schemas/{name}"}, instance
            )
            if (owner, path.rsplit("/", 1)[1]) not in LIVE_EXTRA_KEYS
        ]
        if isinstance(instance, dict):
            errors += [f"missing key {k!r}" for k in required if k not in instance]
        if errors:
            raise ConformanceError(
                f"{name}: " + "; ".join(errors) + f"\n  body: {_short(instance)}"
            )

    # --- whole API calls ------------------------------------------------------------------

    def check_request(self, resp: requests.Response) -> None:
        """Assert the request behind ``resp`` is valid per spec (our test requests must be,
        so that a 4xx from the sandbox cannot be blamed on the test)."""
        try:
            with warnings.catch_warnings():
                # The spec's only security scheme is OAuth2, which openapi-core cannot check
                # (it warns and skips); the token header is exercised by the tests themselves.
                warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
                self.openapi.validate_request(RequestsOpenAPIRequest(resp.request))
        except Exception as exc:  # openapi-core raises a family of exceptions
            raise ConformanceError(
                f"request {resp.request.method} {resp.request.url}: {_explain(exc)}"
            ) from exc

    def check_response(self, resp: requests.Response, status: int | Iterable[int]) -> Checked:
        """Assert the status is as expected and the response matches the spec's declaration
        for this path, method and status. Returns the decoded body (None when empty)."""
        wanted = {status} if isinstance(status, int) else set(status)
        where = f"{resp.request.method} {resp.request.url}"
        if resp.status_code not in wanted:
            raise ConformanceError(
                f"{where}: status {resp.status_code}, expected {sorted(wanted)}; body {resp.text[:300]!r}"
            )
        try:
            self.openapi.validate_response(
                RequestsOpenAPIRequest(resp.request), RequestsOpenAPIResponse(resp)
            )
        except MissingData as exc:
            # openapi-core wants a body whenever "content" is present, but the spec writes
            # "no body" (202, 204) as an empty content map: only that case is allowed.
            if self.declared_content(resp) != {}:
                raise ConformanceError(f"{where} -> {resp.status_code}: body missing") from exc
        except Exception as exc:
            raise ConformanceError(f"{where} -> {resp.status_code}: {_explain(exc)}") from exc
        if not resp.content:
            return Checked(resp.status_code, None)
        body = resp.json()
        content = self.declared_content(resp) or {}
        schema = content.get("application/json", {}).get("schema")
        if schema is not None:
            self._no_unknown_keys(schema, body, f"{where} -> {resp.status_code}")
        return Checked(resp.status_code, body)

    def _no_unknown_keys(self, schema: Any, body: Any, where: str) -> None:
        extra = [
            f"{path} (not in {name})"
            for name, path in unknown_keys(self.spec, schema, body)
            if (name, path.rsplit("/", 1)[1]) not in LIVE_EXTRA_KEYS
        ]
        if extra:
            raise ConformanceError(f"{where}: keys the spec does not define: {', '.join(extra)}")

    def declared_content(self, resp: requests.Response) -> Any:
        """The spec's ``content`` map for this response's path, method and status."""
        server = self.spec["servers"][0]["url"]
        path = urlsplit(resp.request.url or "").path
        path = path[len(urlsplit(server).path) :]
        # Literal paths win over templated ones (/articles/search before /articles/{id}).
        for template, item in sorted(self.spec["paths"].items(), key=lambda kv: kv[0].count("{")):
            pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, path):
                op = item.get((resp.request.method or "").lower(), {})
                declared = op.get("responses", {}).get(str(resp.status_code))
                return None if declared is None else declared.get("content")
        return None

    def check_empty(self, resp: requests.Response, status: int) -> None:
        """Assert a declared-empty response (202 complete, 204 delete): status and no body."""
        self.check_response(resp, status)
        if resp.content.strip():
            raise ConformanceError(
                f"{resp.request.method} {resp.request.url} -> {status} must have an empty body, "
                f"got {resp.text[:200]!r}"
            )

    def check_error(self, resp: requests.Response, status: int | Iterable[int]) -> dict[str, Any]:
        """Assert an API error: the status, and a JSON ``{message, code}`` body that matches
        ``ErrorMessage`` (code string or int, per README.md)."""
        wanted = {status} if isinstance(status, int) else set(status)
        where = f"{resp.request.method} {resp.request.url}"
        if resp.status_code not in wanted:
            raise ConformanceError(
                f"{where}: status {resp.status_code}, expected {sorted(wanted)}; body {resp.text[:300]!r}"
            )
        try:
            body = resp.json()
        except ValueError as exc:
            raise ConformanceError(f"{where}: error body is not JSON: {resp.text[:200]!r}") from exc
        self.check_component("ErrorMessage", body, required=("message", "code"))
        if not isinstance(body.get("message"), str) or not body["message"]:
            raise ConformanceError(f"{where}: error message must be a non-empty string: {body!r}")
        return dict(body)


def _describe(err: ValidationError) -> str:
    # A nullable $ref is anyOf[real schema, null]: report what the real schema disliked
    # rather than "not valid under any of the given schemas".
    if err.validator == "anyOf" and err.context:
        real = [e for e in err.context if e.relative_schema_path and e.relative_schema_path[0] == 0]
        if real:
            return "; ".join(_describe(e) for e in real)
    path = "/".join(str(p) for p in err.absolute_path) or "<root>"
    return f"at {path}: {err.message}"


def _explain(exc: BaseException) -> str:
    """openapi-core wraps schema errors; unwrap them down to the jsonschema messages."""
    lines = [f"{type(exc).__name__}: {exc}"]
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        for sub in getattr(cur, "schema_errors", ()) or ():
            lines.append("  " + _describe(sub))
        if cur.__cause__ is not None:
            stack.append(cur.__cause__)
        if cur.__context__ is not None:
            stack.append(cur.__context__)
    return "\n".join(lines)


def _short(value: Any, limit: int = 400) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def unknown_keys(
    spec: Mapping[str, Any], schema: Any, instance: Any, where: str = ""
) -> list[tuple[str, str]]:
    """Keys of ``instance`` that ``schema`` does not name, as (schema name, path) pairs.

    The spec leaves ``additionalProperties`` unspecified, so a validator lets anything through;
    this finds keys the sandbox invents. ``allOf`` parts are merged; an object declared with
    no properties at all (``folder_structure``, ``settings``) is free-form.
    """
    props, name, items = _flatten(spec, schema)
    out: list[tuple[str, str]] = []
    if isinstance(instance, dict) and props:
        for key, value in instance.items():
            sub = f"{where}/{key}"
            if key not in props:
                out.append((name, sub))
            else:
                out += unknown_keys(spec, props[key], value, sub)
    elif isinstance(instance, list) and items is not None:
        for i, value in enumerate(instance):
            out += unknown_keys(spec, items, value, f"{where}/{i}")
    return out


def _flatten(
    spec: Mapping[str, Any], schema: Any, name: str = ""
) -> tuple[dict[str, Any], str, Any]:
    """(merged properties, component name, items schema) of a schema through $ref/allOf/anyOf."""
    if not isinstance(schema, dict):
        return {}, name, None
    if "$ref" in schema:
        target = schema["$ref"].rsplit("/", 1)[1]
        return _flatten(spec, spec["components"]["schemas"][target], target)
    props: dict[str, Any] = dict(schema.get("properties") or {})
    items = schema.get("items")
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, ()):
            p, n, i = _flatten(spec, part, name)
            props.update(p)
            name = name or n
            items = items if items is not None else i
    return props, name, items
