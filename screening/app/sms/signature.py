"""Is this request from Twilio? The `X-Twilio-Signature` checked with the twilio library's
validator against PUBLIC_BASE_URL + the path (what Twilio was told to call, whatever
proxy the request came through)."""
from __future__ import annotations

from twilio.request_validator import RequestValidator


class TwilioSignature:
    def __init__(self, auth_token: str, public_base_url: str):
        # Without a token any forger could sign with an empty key: refuse everything instead.
        self._validator = RequestValidator(auth_token) if auth_token else None
        self.public_base_url = public_base_url.rstrip("/")

    @property
    def configured(self) -> bool:
        return self._validator is not None

    def url_for(self, path: str, query: str = "") -> str:
        return f"{self.public_base_url}{path}" + (f"?{query}" if query else "")

    def is_valid(self, path: str, query: str, params, signature: str | None) -> bool:
        if self._validator is None or not signature:
            return False
        return self._validator.validate(self.url_for(path, query), params, signature)
