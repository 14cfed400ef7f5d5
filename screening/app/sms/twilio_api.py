"""The HTTP client for Twilio's Messages API: send one message, list what was sent.

`send` says what to do next: `sent` (with Twilio's sid), `retry` (429, 5xx, no
connection: nothing was accepted), `unknown` (the request went out but no answer
came back: it may have been accepted, so it is reconciled, never blindly resent)
or `failed` (any other 4xx: resending would not help).
"""
from __future__ import annotations

from dataclasses import dataclass
import httpx


@dataclass(frozen=True)
class SendResult:
    outcome: str                     # sent, retry, unknown, failed
    sid: str = ""
    segments: int | None = None
    retry_after: float | None = None
    error: str = ""


@dataclass(frozen=True)
class SentMessage:
    sid: str
    body: str


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


class TwilioMessagesApi:
    def __init__(self, base_url: str, account_sid: str, auth_token: str, timeout: float = 10.0):
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._client = httpx.AsyncClient(auth=(account_sid, auth_token), timeout=timeout)

    async def send(self, *, to: str, from_: str, body: str, status_callback: str) -> SendResult:
        form = {"To": to, "From": from_, "Body": body, "StatusCallback": status_callback}
        try:
            response = await self._client.post(self.url, data=form)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return SendResult("retry", error=exc.__class__.__name__)
        except httpx.HTTPError as exc:
            return SendResult("unknown", error=exc.__class__.__name__)
        if response.status_code in (200, 201):
            data = response.json()
            segments = data.get("num_segments")
            return SendResult("sent", sid=str(data.get("sid") or ""),
                              segments=int(segments) if str(segments or "").isdigit() else None)
        if response.status_code == 429 or response.status_code >= 500:
            return SendResult("retry", retry_after=_retry_after(response), error=f"http {response.status_code}")
        code = ""
        try:
            code = str(response.json().get("code") or "")
        except ValueError:
            pass
        return SendResult("failed", error=f"http {response.status_code} {code}".strip())

    async def recent(self, *, to: str, from_: str) -> list[SentMessage]:
        """The newest messages Twilio holds from `from_` to `to` (one page, newest first).

        No DateSent filter: a message Twilio accepted but has not sent yet has no
        send date, and it is exactly the one a reconciliation looks for.
        """
        response = await self._client.get(self.url, params={"To": to, "From": from_, "PageSize": "50"})
        response.raise_for_status()
        return [SentMessage(str(m.get("sid") or ""), str(m.get("body") or ""))
                for m in response.json().get("messages") or ()]

    async def close(self) -> None:
        await self._client.aclose()
