"""Figshare's ``search_for`` language: words, quoted phrases, ``:field:`` terms, AND/OR/NOT, ()."""

from __future__ import annotations

import re
from collections.abc import Callable

Doc = dict[str, str]  # field -> lower-case text
Pred = Callable[[Doc], bool]

_TOKEN = re.compile(r"""\s*(\(|\)|:[a-z_]+:|"[^"]*"|'[^']*'|[^\s()]+)""")
FIELDS = (
    "title",
    "description",
    "tag",
    "category",
    "author",
    "item_type",
    "orcid",
    "extension",
    "doi",
    "resource_doi",
    "institution",
    "project",
    "keyword",
)


def _tokens(text: str) -> list[str]:
    return [m.group(1) for m in _TOKEN.finditer(text)]


def compile_query(text: str) -> Pred:
    """A predicate over documents; an empty query matches everything."""
    toks = _tokens(text or "")
    pos = 0

    def peek() -> str | None:
        return toks[pos] if pos < len(toks) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def parse_or() -> Pred:
        left = parse_and()
        while peek() == "OR":
            take()
            right = parse_and()
            left = _either(left, right)
        return left

    def parse_and() -> Pred:
        preds: list[Pred] = []
        while peek() not in (None, ")", "OR"):
            if peek() == "AND":
                take()
                continue
            preds.append(parse_not())
        return lambda d: all(p(d) for p in preds)

    def parse_not() -> Pred:
        if peek() == "NOT":
            take()
            inner = parse_not()
            return lambda d: not inner(d)
        return parse_atom()

    def parse_atom() -> Pred:
        tok = take()
        if tok == "(":
            inner = parse_or()
            if peek() == ")":
                take()
            return inner
        if tok.startswith(":") and tok.endswith(":") and len(tok) > 2:
            name = tok.strip(":")
            name = "tag" if name == "keyword" else name
            words: list[str] = []
            # A field takes the following words up to the next operator, field or bracket.
            while peek() not in (None, "(", ")", "AND", "OR", "NOT") and not _is_field(peek()):
                words.append(_unquote(take()))
            phrase = " ".join(words).lower()
            return lambda d: phrase in d.get(name, "")
        word = _unquote(tok).lower()
        return lambda d: any(word in v for v in d.values())

    pred = parse_or()
    return pred


def _either(a: Pred, b: Pred) -> Pred:
    return lambda d: a(d) or b(d)


def _is_field(tok: str | None) -> bool:
    return bool(tok and tok.startswith(":") and tok.endswith(":") and len(tok) > 2)


def _unquote(tok: str) -> str:
    if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in "'\"":
        return tok[1:-1]
    return tok
