"""The stats service (NOTES section 9): totals, timelines, breakdowns, tops and counts.

Numbers are made up but deterministic from the seed and the item id.  An unknown item id
gives an empty result (totals 0, empty timeline), never 404.  Institution-scoped paths
(``/<institution>/timeline/...``) need HTTP Basic auth (any credentials; 403 without).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .faults import Decision
from .httpbase import Handler
from .render import public_view

COUNTERS = ("views", "downloads", "shares")
ITEMS = ("article", "author", "collection", "group", "project")
GRANULARITIES = ("year", "month", "day", "total")
_COUNTRIES = (
    ("United Kingdom", "London"),
    ("United States", "Boston"),
    ("Germany", "Berlin"),
    ("China", "Qingdao"),
    ("Ireland", "Dublin"),
    ("Brazil", "Sao Paulo"),
)


class StatsError(Exception):
    def __init__(self, status: int, param: str, extra: str) -> None:
        super().__init__(extra)
        self.status, self.param, self.extra = status, param, extra


class StatsHandler(Handler):
    service = "stats"

    def route(self, decision: Decision | None) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        segs = [s for s in parts.path.split("/") if s]
        body = self.read_body() if self.command == "POST" else None
        if self.command == "GET":
            self.discard_body()
        if segs and segs[0] not in ("total", "timeline", "breakdown", "top", "count"):
            # Institution-scoped statistics need the institution's Basic credentials.
            if not self.headers.get("Authorization", "").lower().startswith("basic "):
                return self.send_json(
                    403, {"message": "Missing Basic authorization", "code": "Forbidden"}
                )
            segs = segs[1:]
        try:
            with self.core.store.lock:  # a consistent view while items change
                result = self._answer(segs, query, body)
        except StatsError as err:
            return self.send_json(
                err.status,
                {
                    "data": {"extra": err.extra, "invalid_params": err.param},
                    "code": "InvalidParams",
                    "message": f"Invalid or unsupported params: {err.param}",
                },
            )
        if result is None:
            return self.send_json(404, {"message": "Endpoint not found", "code": "NotFound"})
        self.send_json(200, result)

    # --- numbers -----------------------------------------------------------------------------
    def _n(self, *key: object, mod: int) -> int:
        text = "/".join(str(k) for k in (self.core.config.seed, *key))
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % mod

    def _known(self, item: str, item_id: str) -> bool:
        store = self.core.store
        try:
            ident = int(item_id)
        except ValueError:
            return False
        if item == "article":
            art = store.articles.get(ident)
            return art is not None and public_view(art) is not None
        if item == "author":
            return ident in store.authors
        if item == "group":
            return any(a.group_id == ident for a in store.articles.values())
        return False

    def _total(self, counter: str, item: str, item_id: str) -> int:
        if not self._known(item, item_id):
            return 0
        views = 10 + self._n("views", item, item_id, mod=5000)
        return {"views": views, "downloads": views // 4, "shares": views // 50}[counter]

    @staticmethod
    def _check(
        counter: str | None = None, item: str | None = None, gran: str | None = None
    ) -> None:
        if counter is not None and counter not in COUNTERS:
            raise StatsError(400, "counter", f"Counter type not supported: {counter}")
        if item is not None and item not in ITEMS:
            raise StatsError(400, "item", f"Item type not supported: {item}")
        if gran is not None and gran not in GRANULARITIES:
            raise StatsError(400, "granularity", f"Granularity not supported: {gran}")

    def _window(self, query: dict[str, str]) -> tuple[date, date]:
        today = date.today()
        try:
            start = (
                date.fromisoformat(query["start_date"])
                if "start_date" in query
                else today.replace(day=1)
            )
            end = date.fromisoformat(query["end_date"]) if "end_date" in query else today
        except ValueError:
            raise StatsError(400, "start_date", "Dates are YYYY-MM-DD") from None
        return start, max(start, min(end, start + timedelta(days=366)))

    def _periods(self, gran: str, start: date, end: date) -> list[str]:
        keys: list[str] = []
        day = start
        while day <= end:
            key = {
                "day": day.isoformat(),
                "month": day.isoformat()[:7],
                "year": day.isoformat()[:4],
                "total": "total",
            }[gran]
            if not keys or keys[-1] != key:
                keys.append(key)
            day += timedelta(days=1)
        return keys

    def _answer(
        self, segs: list[str], query: dict[str, str], body: bytes | None
    ) -> dict[str, Any] | None:
        if len(segs) == 4 and segs[0] == "total":
            self._check(segs[1], segs[2])
            return {"totals": self._total(segs[1], segs[2], segs[3])}
        if len(segs) == 5 and segs[0] in ("timeline", "breakdown"):
            _, gran, counter, item, item_id = segs
            self._check(counter, item, gran)
            if not self._known(item, item_id):
                return {segs[0]: {}}
            start, end = self._window(query)
            periods = self._periods(gran, start, end)
            if segs[0] == "timeline":
                values = {p: self._n(counter, item, item_id, p, mod=40) for p in periods}
                return {"timeline": {p: v for p, v in values.items() if v}}
            out: dict[str, Any] = {}
            for p in periods:
                countries = {}
                for country, city in _COUNTRIES:
                    n = self._n(counter, item, item_id, p, country, mod=12)
                    if n:
                        countries[country] = {city: n, "total": n + self._n(p, country, mod=3)}
                if countries:
                    out[p] = countries
            return {"breakdown": out}
        if len(segs) == 3 and segs[0] == "top":
            self._check(segs[1], segs[2])
            try:
                count = int(query.get("count", 10))
            except ValueError:
                raise StatsError(400, "count", "count must be an integer") from None
            if segs[2] != "article":
                return {"top": {}}
            ids = [a.id for a in self.core.store.articles.values() if a.public is not None]
            scored = sorted(
                ((self._total(segs[1], "article", str(i)), i) for i in ids), reverse=True
            )
            return {"top": {str(i): n for n, i in scored[:count]}}
        if segs == ["count", "articles"] and self.command == "POST":
            try:
                groups = json.loads(body or b"{}").get("groups", [])
                wanted = [int(g["id"]) for g in groups]
            except (ValueError, TypeError, KeyError, AttributeError):
                raise StatsError(400, "groups", 'Expected {"groups": [{"id": <int>}]}') from None
            arts = [a for a in self.core.store.articles.values() if a.public is not None]
            return {str(g): sum(1 for a in arts if a.group_id == g) for g in wanted}
        return None
