"""Encryption at rest of personal data (the employees' social security numbers, R22).

AES-256-GCM; each value is stored as `v1:<key id>:<base64(nonce + ciphertext + tag)>`, the
version and key id authenticated with it. The first key encrypts, every key decrypts, so keys
rotate: put a new key first and keep the old ones while values written with them remain.

The keys are the process's (`install`, from the settings, when the app or a migration starts):
the column type below encrypts and decrypts wherever the ORM or Core writes and reads, so
callers only ever see the clear value.
"""

import base64
import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

VERSION = "v1"
NONCE_BYTES = 12


class UndecryptableValue(Exception):
    """A stored value no configured key opens (unknown key id, or altered)."""


class FieldCipher:
    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self.current = keys[0][0]
        self._keys = {kid: AESGCM(key) for kid, key in keys}

    def encrypt(self, plaintext: str) -> str:
        header = f"{VERSION}:{self.current}"
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current].encrypt(nonce, plaintext.encode(), header.encode())
        return f"{header}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        version, kid, body = [*stored.split(":", 2), "", ""][:3]
        if version != VERSION:
            raise UndecryptableValue("not an encrypted value")
        aead = self._keys.get(kid)
        if aead is None:
            raise UndecryptableValue(f"no key {kid!r} among the configured keys")
        try:
            raw = base64.b64decode(body, validate=True)
            clear = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{version}:{kid}".encode())
        except (ValueError, InvalidTag):
            raise UndecryptableValue(f"the value under key {kid!r} does not decrypt") from None
        return clear.decode()

    @staticmethod
    def is_encrypted(stored: str) -> bool:
        return stored.startswith(f"{VERSION}:")


_installed: FieldCipher | None = None


def install(cipher: FieldCipher) -> None:
    global _installed
    _installed = cipher


def installed() -> FieldCipher:
    if _installed is None:
        raise RuntimeError("no encryption keys installed (app.core.crypto.install)")
    return _installed


class Encrypted(TypeDecorator[str]):
    """A text column stored encrypted with the installed keys. Never compared in SQL: the
    same value encrypts differently every time (a fresh nonce)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else installed().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else installed().decrypt(value)
