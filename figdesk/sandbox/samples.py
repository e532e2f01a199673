"""Sample accounts and items: those of Figshare's API resources page, plus generated ones.

The resources page shows a public item (123456, with its file) and the ten items of an
account's ``GET /account/articles`` output; they are reproduced with their real field
values.  The account owning them is "Jane Researcher" of the Faber University institution
(the page's items live in faber.figshare.com groups 9991 and 9999).
"""

from __future__ import annotations

import hashlib
import json
import random
from functools import cache
from importlib import resources
from typing import Any

from .model import Account, Article, Author, FileRec
from .store import Store

GiB = 1024**3
MAIN_ACCOUNT_ID = 1495682
SECOND_ACCOUNT_ID = 1495683
ADMIN_ACCOUNT_ID = 1495690
MEMBER_ACCOUNT_IDS = (1495691, 1495692)
PLOS_ACCOUNT_ID = 155000
INSTITUTION_ID = 1


@cache
def load(name: str) -> Any:
    """A JSON file of figdesk/sandbox/data (read once)."""
    return json.loads(resources.files(__package__).joinpath("data", name).read_text("utf-8"))


def file_bytes(file_id: int, size: int) -> bytes:
    """The made-up content of a sample file (deterministic from its id)."""
    unit = f"figshare sandbox sample file {file_id}\n".encode()
    return (unit * (size // len(unit) + 1))[:size]


def token_for(seed: int, account_id: int) -> str:
    # 128 hex characters, like Figshare personal tokens.
    return hashlib.sha512(f"figdesk-sandbox/{seed}/{account_id}".encode()).hexdigest()


def make_account(store: Store, account: Account, token: str) -> None:
    """Register an account, its author record and its token.  Lock held by the caller."""
    store.accounts[account.id] = account
    full = f"{account.first_name} {account.last_name}".strip()
    author = Author(
        id=account.user_id,
        full_name=full,
        first_name=account.first_name,
        last_name=account.last_name,
        is_active=True,
        url_name=full.replace(" ", "_") or "_",
        orcid_id=account.orcid_id,
        email=account.email,
    )
    store.authors[author.id] = author
    store.tokens[token] = account.id
    store.save(account, author)
    store.save_meta()


def populate(
    store: Store, seed: int, main_token: str | None, items: int, samples: bool = True
) -> None:
    """Fill an empty store: the accounts always, the sample items when ``samples``."""
    with store.lock:
        people = [
            (MAIN_ACCOUNT_ID, 1000001, "Jane", "Researcher", INSTITUTION_ID, 9991, False, 20 * GiB),
            (SECOND_ACCOUNT_ID, 1000002, "Sam", "Solo", 0, 0, False, 5 * GiB),
            (ADMIN_ACCOUNT_ID, 1000010, "Ada", "Admin", INSTITUTION_ID, 9991, True, 20 * GiB),
            (
                MEMBER_ACCOUNT_IDS[0],
                1000011,
                "Ben",
                "Biologist",
                INSTITUTION_ID,
                9998,
                False,
                20 * GiB,
            ),
            (
                MEMBER_ACCOUNT_IDS[1],
                1000012,
                "Lena",
                "Librarian",
                INSTITUTION_ID,
                9999,
                False,
                20 * GiB,
            ),
            (PLOS_ACCOUNT_ID, 155001, "PLOS", "ONE", 0, 0, False, 100 * GiB),
        ]
        for acc_id, user_id, first, last, inst, group, admin, quota in people:
            acc = Account(
                id=acc_id,
                user_id=user_id,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}@example.org",
                quota=quota,
                maximum_file_size=quota,
                institution_id=inst,
                institution_user_id=f"{first[0].lower()}{last.lower()}" if inst else "",
                group_id=group,
                is_admin=admin,
            )
            token = token_for(seed, acc_id)
            if acc_id == MAIN_ACCOUNT_ID and main_token:
                token = main_token
            make_account(store, acc, token)
        if samples:
            _resources_page_items(store)
            _member_items(store)
        if items:
            generate(store, items, seed)
        _recount_quota(store)
        store.save_all()


def _add_file(
    store: Store,
    article: Article,
    file_id: int,
    name: str,
    size: int,
    public: bool,
    md5: str | None = None,
) -> None:
    digest = md5 or hashlib.md5(file_bytes(file_id, size)).hexdigest()
    rec = FileRec(
        id=file_id,
        article_id=article.id,
        name=name,
        size=size,
        supplied_md5=digest,
        computed_md5=digest,
        status="available",
        is_public=public,
        source="gen",
    )
    store.files[file_id] = rec
    article.file_ids.append(file_id)


def _publish_snapshot(article: Article) -> None:
    from .model import to_dict

    snap = to_dict(article)
    snap.pop("public", None)
    snap.pop("older", None)
    article.public = snap


def _resources_page_items(store: Store) -> None:
    page = load("resources_page.json")
    pub = page["public_item"]
    for a in pub["authors"]:
        first, _, last = a["full_name"].partition(" ")
        store.authors[a["id"]] = Author(
            id=a["id"],
            full_name=a["full_name"],
            first_name=first,
            last_name=last,
            url_name=a["url_name"],
        )
    art = Article(
        id=pub["id"],
        account_id=PLOS_ACCOUNT_ID,
        title=pub["title"],
        description=pub["description"],
        tags=pub["tags"],
        categories=[c["id"] for c in pub["categories"]],
        authors=[a["id"] for a in pub["authors"]],
        defined_type=pub["defined_type"],
        license=pub["license"]["value"],
        doi=pub["doi"],
        resource_doi=pub["resource_doi"],
        resource_title=pub["resource_title"],
        timeline=pub["timeline"],
        group_id=pub["group_id"],
        created_date=pub["created_date"],
        modified_date=pub["modified_date"],
        published_date=pub["published_date"],
        version=pub["version"],
        status="public",
        thumb=pub["thumb"],
        html_url=pub["url_public_html"],
        citation=pub["citation"],
    )
    for f in pub["files"]:
        # Real id, name, size and md5; the bytes served are made up, so they will not hash to
        # that md5 (documented in the package docstring).
        _add_file(store, art, f["id"], f["name"], f["size"], True, f["supplied_md5"])
    _publish_snapshot(art)
    store.articles[art.id] = art

    cats = {
        8332638: [24],
        8327074: [24, 108],
        8262674: [28002, 26002],
        8271566: [27001],
        8275510: [26002],
        8365555: [13],
        8356369: [39],
        8329418: [27003],
    }
    drafts_created = {8351662: "2023-04-03T10:12:45Z", 8260098: "2023-02-14T09:30:00Z"}
    for row in page["account_items"]:
        published = row["published_date"]
        first_online = row["timeline"].get("firstOnline")
        created = drafts_created.get(row["id"]) or f"{first_online}Z"
        art = Article(
            id=row["id"],
            account_id=MAIN_ACCOUNT_ID,
            title=row["title"],
            doi=row["doi"],
            handle=row["handle"],
            defined_type=row["defined_type"],
            group_id=row["group_id"],
            thumb=row["thumb"],
            html_url=row["url_public_html"],
            timeline=row["timeline"],
            resource_doi=row["resource_doi"] or "",
            resource_title=row["resource_title"] or "",
            created_date=created,
            modified_date=published or created,
            published_date=published,
            authors=[1000001],
            categories=cats.get(row["id"], []),
        )
        if published:
            art.description = (
                f"{row['title']}: an item of the API resources page's example account."
            )
            art.tags = [w.lower() for w in row["title"].replace("-", " ").split()[:3] if len(w) > 2]
            art.license = 1
            art.status = "public"
            art.version = 2 if "republished" in row["title"] else 1
            name = row["title"] if "." in row["title"] else row["title"].replace(" ", "_") + ".csv"
            _add_file(store, art, row["id"] + 7_000_000, name, 2048 + row["id"] % 5000, True)
            _publish_snapshot(art)
        store.articles[art.id] = art


def _member_items(store: Store) -> None:
    for n, acc_id in enumerate(MEMBER_ACCOUNT_IDS):
        acc = store.accounts[acc_id]
        for k in range(2):
            art_id = 8400000 + n * 10 + k
            art = Article(
                id=art_id,
                account_id=acc_id,
                title=f"{acc.first_name}'s draft {k + 1}",
                description="A draft of an institution member.",
                tags=["draft"],
                authors=[acc.user_id],
                defined_type=3,
                license=1,
                group_id=acc.group_id,
                created_date=f"2024-0{n + 1}-1{k}T08:00:00Z",
                modified_date=f"2024-0{n + 1}-1{k}T08:00:00Z",
            )
            _add_file(store, art, art_id + 7_000_000, f"data_{k + 1}.csv", 1500 + k, False)
            store.articles[art_id] = art


_WORDS = [
    "ant",
    "coral",
    "soil",
    "river",
    "genome",
    "protein",
    "climate",
    "glacier",
    "neuron",
    "archive",
    "pottery",
    "manuscript",
    "survey",
    "census",
    "enzyme",
    "polymer",
    "bacteria",
    "forest",
    "wetland",
    "seismic",
    "galaxy",
    "plasma",
    "lattice",
    "algorithm",
    "network",
    "sensor",
    "drone",
    "harbour",
    "medieval",
    "parish",
    "dialect",
    "theatre",
    "migration",
]


def generate(store: Store, count: int, seed: int) -> None:
    """``count`` items for the main account, half of them published (deterministic)."""
    rng = random.Random(seed * 7919 + count)
    cats = [c["id"] for c in load("categories.json") if c["is_selectable"]]
    types = [t["id"] for t in load("item_types.json")]
    for i in range(count):
        art_id = 9_000_000 + i
        words = rng.sample(_WORDS, 3)
        day = 1 + i * 2000 // max(count, 1)  # creation order follows the id, as on Figshare
        year, doy = 2019 + day // 365, day % 365
        created = f"{year}-{1 + doy // 31:02d}-{1 + doy % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        art = Article(
            id=art_id,
            account_id=MAIN_ACCOUNT_ID,
            title=f"{words[0].title()} {words[1]} and {words[2]} data {i + 1}",
            description=f"Generated item {i + 1} about {' and '.join(words)}.",
            tags=words[:2],
            categories=rng.sample(cats, 1 + i % 2),
            authors=[1000001],
            defined_type=rng.choice(types),
            license=rng.choice([1, 2, 3, 7]),
            group_id=9991,
            created_date=created,
            modified_date=created,
        )
        public = i % 2 == 0
        for k in range(i % 3):
            fid = 20_000_000 + i * 3 + k
            _add_file(store, art, fid, f"{words[0]}_{k + 1}.csv", 64 + (i * 37 + k) % 4000, public)
        if not art.file_ids:
            art.is_metadata_record, art.metadata_reason = True, "Generated metadata record"
        if public:
            art.status, art.version, art.published_date = "public", 1, created
            art.doi = f"10.80000/sandbox.{art_id}"
            art.timeline = {"posted": created[:-1], "firstOnline": created[:-1]}
            _publish_snapshot(art)
        store.articles[art_id] = art


def _recount_quota(store: Store) -> None:
    for acc in store.accounts.values():
        acc.used_quota_private = acc.used_quota_public = 0
    for rec in store.files.values():
        art = store.articles.get(rec.article_id)
        if art is None or rec.is_link_only:
            continue
        acc = store.accounts[art.account_id]
        if rec.is_public:
            acc.used_quota_public += rec.size
        else:
            acc.used_quota_private += rec.size
