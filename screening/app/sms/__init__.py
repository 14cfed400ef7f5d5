"""The SMS gateway (Twilio): signed webhook, durable inbox, worker, ordered outbox."""
from __future__ import annotations

from ..context import AppContext, Feature


def sms_feature(context: AppContext) -> Feature:
    return Feature()
