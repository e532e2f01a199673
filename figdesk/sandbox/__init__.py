"""figdesk.sandbox: Figshare (API v2, upload service, stats, downloads) on this computer.

It follows Figshare's documents (shared/figshare-api: swagger.json, NOTES.md, the API
resources page), never figdesk's client, and imports nothing from figdesk.core.  Where the
documents leave a choice, the choice made is written here and in the module that makes it:

- Services: API at ``http://HOST:P/v2``; upload service, stats and downloads each on their
  own port.  Download URLs use another host name (``localhost``) than the API
  (``127.0.0.1``), so tests can see that Authorization never reaches the storage host.
  ``download_url`` and ``GET /v2/file/download/{id}`` redirect (302) to a signed storage URL.
- Auth: ``Authorization: token <T>`` (or ``Bearer``, or ``?access_token=``).  A missing,
  invalid or revoked token gets **401** (the prose docs' answer; the spec's 403 is kept for
  "authenticated but not permitted").  404 for unknown ids and for other people's items.
- Errors: ``{"message", "code"}`` with string codes (``EntityNotFound``, ``ValidationFailed``,
  ``InvalidPaginationParams``, ``MissingMandatoryFieldException``, ``QuotaExceeded`` ...);
  every upload-service error has an empty body.  Invalid JSON: 400; invalid fields: 422.
- Lists: page/page_size or offset/limit (422 when mixed), page size 1..1000, default 10
  (also for an item's files).  The ``files`` embedded in an article are capped at 10.  The
  9,000-result window is not enforced.  ``GET /account/articles`` is newest first (the
  resources page's real output); list items carry ``created_date``/``modified_date``
  (required by the spec although the page's output lacks them).
- Blanks: ``resource_doi``, ``resource_title``, ``funding``, ``published_date``,
  ``embargo_date``, ``embargo_type`` and an unset ``license`` are null; other strings "".
  ``timeline`` of a published item carries ``posted`` as Figshare's real output does.
- Metadata: PUT and PATCH both change only the keys sent (see api_articles).  Creating an
  item adds the owner as author unless authors are given.  ``defined_type`` is an int with
  ``defined_type_name`` in answers, a name (or int) in requests.
- Publish: 400 ``Missing mandatory field for publication - <field>`` checking, in order,
  title, description, authors, defined_type, license, keywords, then files (or
  is_metadata_record, or a linked file); 400 while a file is still uploading/processing.
  Publishing makes version+1, status public, a DOI when none, and moves the files' bytes
  from the private to the public quota.  A published item cannot be deleted: 403.
- Uploads: see uploads.py (411 without Content-Length, 400 on a wrong length, 409 on a
  locked part, a short body dropped after ``body_timeout``) and api_files.py (403 over quota
  or maximum file size, 400 completing before all parts are COMPLETE).  After complete a
  file goes created -> ic_checking -> moving_to_final -> available (``processing_step``
  seconds each); ``computed_md5`` is the md5 of the stored bytes; a differing supplied md5
  gives ``ic_failure`` (no md5 supplied: ``supplied_md5`` "" and it becomes available).
  Like a real storage service the sandbox hashes parts as they arrive (hashing.py): a
  background thread keeps a running md5 over the contiguous prefix of COMPLETE parts,
  catching up when out-of-order parts fill a gap; a part DELETE or re-PUT voids it from
  that part on (restart from part 1).  At complete only what is left is hashed, usually
  nothing; without a running hash (a restart with ``--data`` loses it) the whole file is.
- Impersonation: ``impersonate`` in the query for GET/DELETE, in the JSON body for
  POST/PUT/PATCH; only an institution admin, only accounts of the same institution (403).
- Sample data: the public item 123456 and the account items of the resources page with
  their real values.  Item 123456's file keeps its real md5, but its bytes are made up, so
  a download of it does not hash to that md5; generated items' files do.
- Stats: see stats.py.  Faults: see faults.py (``sb.faults``).
"""

from .config import SandboxConfig
from .faults import Faults, FaultSettings
from .httpbase import RequestRecord
from .samples import (
    ADMIN_ACCOUNT_ID,
    MAIN_ACCOUNT_ID,
    MEMBER_ACCOUNT_IDS,
    SECOND_ACCOUNT_ID,
)
from .server import Sandbox

__all__ = [
    "ADMIN_ACCOUNT_ID",
    "MAIN_ACCOUNT_ID",
    "MEMBER_ACCOUNT_IDS",
    "SECOND_ACCOUNT_ID",
    "FaultSettings",
    "Faults",
    "RequestRecord",
    "Sandbox",
    "SandboxConfig",
]
