"""The shared token the app presents to Rasa's channel, and Rasa to the action server.

Rasa and the action server listen only on an internal network, but that alone lets any
process that reaches them (another container, a compromised neighbour) read and write
anyone's conversation. Each hop carries `Authorization: Bearer <INTERNAL_TOKEN>`; a caller
without the token is refused with 401, a wrong token with 403, and a server with no token
set refuses everything (403): it fails closed rather than open.
"""
from __future__ import annotations

import hmac
import secrets

HEADER = "Authorization"
SCHEME = "Bearer"
ENV_VAR = "INTERNAL_TOKEN"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def header_value(token: str) -> str:
    return f"{SCHEME} {token}"


def refusal(presented: str | None, expected: str) -> int | None:
    """None when the Authorization header carries the expected token, else the status to refuse with."""
    if not expected:
        return 403
    if not presented:
        return 401
    scheme, _, token = presented.strip().partition(" ")
    if scheme.lower() != SCHEME.lower() or not token:
        return 401
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return 403
    return None
