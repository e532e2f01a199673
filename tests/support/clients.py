"""A client for tests against an in-process sandbox: short timeouts, near-instant retries."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from figdesk.core.api import FigshareClient, RetryPolicy


@contextmanager
def fast_client(sb: Any) -> Iterator[FigshareClient]:
    """A client of ``sb``'s main account, with the sandbox's faults cleared first."""
    sb.faults.reset()
    with FigshareClient(sb.token, sb.api_url, timeout=(5.0, 30.0),
                        retry=RetryPolicy(base=0.01, cap=0.05)) as c:
        yield c


def upload_small(client: FigshareClient, article_id: int, name: str, data: bytes,
                 folder_path: str | None = None) -> int:
    """A whole upload through the client's calls (a test's setup, not the code under test):
    initiate, GET upload_url, PUT each part, complete. Returns the file id."""
    file_id = client.initiate_upload(article_id, name, len(data), hashlib.md5(data).hexdigest(),
                                     folder_path)
    upload_url = client.get_file(article_id, file_id).upload_url
    for part in client.get_upload_info(upload_url).parts:
        chunk = data[part.start:part.end + 1]
        client.put_upload_part(upload_url, part.part_no, io.BytesIO(chunk), len(chunk))
    client.complete_upload(article_id, file_id)
    return file_id
