"""One webhook request, as the Standard Webhooks specification describes it.

Headers ``webhook-id`` (the event id: the same on every retry, so receivers deduplicate),
``webhook-timestamp`` (this attempt, Unix seconds) and ``webhook-signature`` (``v1,<base64
HMAC-SHA256 of "id.timestamp.body">``, made by the ``standardwebhooks`` library). The request
goes to the address the SSRF check approved (the host name is kept for ``Host`` and TLS SNI), so
a DNS answer that changes between the check and the connection cannot redirect it. Redirects
are not followed.

Outcome: 2xx delivered; network errors, timeouts, 408, 429 and 5xx are retried with backoff
(honouring ``Retry-After``); any other status, or a refused target, dead-letters at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from resolvers.events.deliveries import Claimed, Outcome
from resolvers.events.netguard import UnresolvableTarget, UnsafeTarget, resolve

USER_AGENT = "content-gateway-webhooks/1"
RETRYABLE_STATUS = {408, 429}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date, or nonsense: our own backoff applies


def signed_request(claimed: Claimed, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers of one attempt."""
    assert claimed.secret is not None
    body = orjson.dumps(claimed.event.message())
    msg_id = claimed.event.event_id
    signature = Webhook(claimed.secret).sign(msg_id, now, body.decode())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body, headers


async def send_webhook(
    client: httpx.AsyncClient, claimed: Claimed, *, request_timeout: float, allow_private: bool
) -> Outcome:
    assert claimed.url is not None
    try:
        addresses = await resolve(claimed.url, allow_private=allow_private)
    except UnsafeTarget as exc:
        return Outcome(delivered=False, error=f"refused: {exc}")
    except UnresolvableTarget as exc:
        return Outcome(delivered=False, error=str(exc), retryable=True)
    parts = urlsplit(claimed.url)
    ip = addresses[0]
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    pinned = urlunsplit((parts.scheme, host, parts.path or "/", parts.query, ""))
    body, headers = signed_request(claimed, datetime.now(UTC))
    headers["host"] = parts.netloc
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    try:
        response = await client.post(
            pinned, content=body, headers=headers, timeout=request_timeout, extensions=extensions
        )
    except httpx.TimeoutException:
        return Outcome(
            delivered=False, error=f"timed out after {request_timeout:g}s", retryable=True
        )
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return Outcome(delivered=False, error=f"network error: {reason}", retryable=True)
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(delivered=True, status_code=code)
    retryable = code >= 500 or code in RETRYABLE_STATUS
    return Outcome(
        delivered=False,
        status_code=code,
        error=f"HTTP {code}" + ("" if retryable else " (not retried: the receiver refused it)"),
        retryable=retryable,
        retry_after=_retry_after(response) if retryable else None,
    )
