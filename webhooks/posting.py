"""One POST to a webhook URL, through ``core.hosts`` (rule 25): the host is resolved, refused if any of its
addresses is internal, and the connection goes to the checked address; the Host header and TLS's server
name and certificate check stay the URL's host. Redirects are not followed (a 3xx is a failed delivery),
so a receiver cannot send us on to an address we did not check."""

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.hosts import HostRefused, connect_public

TIMEOUT_SECONDS = 10
# How much of the receiver's answer is read and kept in the log.
SNIPPET_BYTES = 1000


class PostFailed(Exception):
    """No HTTP answer: the host was refused, did not answer in time, or the connection failed."""


@dataclass(frozen=True)
class Answer:
    status: int
    snippet: str


def _connect_checked(address, timeout=None, source_address=None):
    host, port = address
    return connect_public(host, port, timeout if isinstance(timeout, int | float) else TIMEOUT_SECONDS)


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, context=ssl.create_default_context(), **kwargs)
        self._create_connection = _connect_checked


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float | None = None) -> Answer:
    """POSTs ``body`` to ``url`` and returns the status and the start of the answer; raises ``PostFailed``
    (with a sentence for the log) when there is no answer."""
    timeout = timeout or TIMEOUT_SECONDS
    parts = urlsplit(url)
    connection_class = _CheckedHTTPSConnection if parts.scheme == "https" else _CheckedHTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    except (ValueError, http.client.InvalidURL) as exc:
        raise PostFailed(f"The URL is not valid: {exc}.") from exc
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        snippet = response.read(SNIPPET_BYTES).decode("utf-8", errors="replace")
        return Answer(status=response.status, snippet=snippet)
    except HostRefused as exc:
        raise PostFailed(f"Refused: {exc}") from exc
    except TimeoutError as exc:
        raise PostFailed(f"No answer within {timeout:g} seconds.") from exc
    except ssl.SSLError as exc:
        raise PostFailed(f"TLS failed: {exc.reason or exc}.") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise PostFailed(f"The connection failed: {exc or type(exc).__name__}.") from exc
    finally:
        connection.close()
