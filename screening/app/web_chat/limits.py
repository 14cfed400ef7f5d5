"""The web chat's limits, in Redis when REDIS_URL is set (shared by every app process), else
in this process: resume-code guessing (per client address and per code), new conversations
per address (no one fills the database from one machine), and messages per conversation.
Addresses are counted under a keyed hash, never kept in clear."""
from __future__ import annotations

from datetime import datetime

from ...crypto import pseudonym
from ...rate_limits import AttemptLimiter, CounterStore
from ..counters import counter_store

RESUMES_PER_ADDRESS = (20, 15 * 60)          # 20 tries per 15 minutes from one address
RESUMES_PER_CODE = (10, 60 * 60)             # 10 tries per hour at one code
STARTS_PER_ADDRESS = (30, 60 * 60)           # 30 new chats an hour from one address (a library's computers share one)
MESSAGES_PER_CONVERSATION = (120, 10 * 60)   # far more than anyone types in 10 minutes


class ChatLimits:
    def __init__(self, secret_key: str, store: CounterStore):
        self.secret_key = secret_key
        self.resumes_by_address = AttemptLimiter(store, *RESUMES_PER_ADDRESS, name="resume-address")
        self.resumes_by_code = AttemptLimiter(store, *RESUMES_PER_CODE, name="resume-code")
        self.starts_by_address = AttemptLimiter(store, *STARTS_PER_ADDRESS, name="start-address")
        self.messages_by_conversation = AttemptLimiter(store, *MESSAGES_PER_CONVERSATION, name="messages")

    def _address(self, address: str) -> str:
        return pseudonym(self.secret_key, "address", address)

    def allow_resume_from(self, address: str, now: datetime) -> bool:
        return self.resumes_by_address.allow(self._address(address), now)

    def allow_resume_of(self, code_hash: str, now: datetime) -> bool:
        return self.resumes_by_code.allow(code_hash, now)

    # A start is counted once the assistant greeted the person: starts it could not answer
    # (503 while it restarts) and the person presses Start again do not use up the address's.
    def too_many_starts_from(self, address: str, now: datetime) -> bool:
        return self.starts_by_address.exhausted(self._address(address), now)

    def count_start_from(self, address: str, now: datetime) -> None:
        self.starts_by_address.record(self._address(address), now)

    # Messages are counted once answered: a message the assistant could not answer (503 while
    # it restarts) and the person sends again does not use up their allowance.
    def too_many_messages_in(self, conversation_id: str, now: datetime) -> bool:
        return self.messages_by_conversation.exhausted(self._conversation(conversation_id), now)

    def count_message_in(self, conversation_id: str, now: datetime) -> None:
        self.messages_by_conversation.record(self._conversation(conversation_id), now)

    def _conversation(self, conversation_id: str) -> str:
        return pseudonym(self.secret_key, "chat", conversation_id)


def chat_limits(secret_key: str, redis_url: str | None) -> ChatLimits:
    return ChatLimits(secret_key, counter_store(redis_url))
