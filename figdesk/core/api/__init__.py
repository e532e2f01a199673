"""The Figshare API client: ``FigshareClient`` and its pacing and retry policies."""

from figdesk.core.api.client import DEFAULT_API_URL, DEFAULT_TIMEOUT, FigshareClient
from figdesk.core.api.pacer import Pacer, is_loopback_host
from figdesk.core.api.retry import RetryPolicy, parse_retry_after
from figdesk.core.api.stats import RequestStats
from figdesk.core.api.transport import USER_AGENT, check_url
from figdesk.core.api.uploads import PartBody

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "FigshareClient",
    "Pacer",
    "PartBody",
    "RequestStats",
    "RetryPolicy",
    "check_url",
    "is_loopback_host",
    "parse_retry_after",
]
