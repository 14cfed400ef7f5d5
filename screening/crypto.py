"""Encryption at rest and keyed pseudonyms.

- `TextCipher` encrypts free text and message bodies with Fernet (AES-128-CBC
  plus HMAC-SHA256, from `cryptography`). ENCRYPTION_KEY may list several keys,
  comma-separated, newest first: old rows stay readable while new rows use the
  newest key (key rotation); `rotate` re-encrypts a stored value with the newest
  key, so an old key can then be dropped.
- `pseudonym` turns a channel's sender id (a phone number, a chat id) into a
  stable keyed hash, so the database can find a person's conversation without
  ever holding the identifier in clear.
"""
from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class KeySettingError(ValueError):
    """A key setting is missing or malformed."""


class TextCipher:
    def __init__(self, keys: str):
        parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
        if not parts:
            raise KeySettingError("ENCRYPTION_KEY is not set. Run `make env` or see .env.example.")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except (ValueError, TypeError) as exc:
            raise KeySettingError("ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes).") from exc

    def encrypt(self, text: str | None) -> bytes | None:
        if text is None:
            return None
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(bytes(token)).decode("utf-8")
        except InvalidToken as exc:
            raise KeySettingError("A stored value cannot be decrypted with ENCRYPTION_KEY.") from exc


    def rotate(self, token: bytes) -> bytes:
        """The same value encrypted with the newest key (`screening keys reencrypt`)."""
        try:
            return self._fernet.rotate(bytes(token))
        except InvalidToken as exc:
            raise KeySettingError("A stored value cannot be decrypted with ENCRYPTION_KEY.") from exc


def new_encryption_key() -> str:
    return Fernet.generate_key().decode()


def pseudonym(secret_key: str, channel: str, sender_id: str) -> str:
    if not secret_key:
        raise KeySettingError("SECRET_KEY is not set. Run `make env` or see .env.example.")
    message = f"{channel}:{sender_id}".encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()
