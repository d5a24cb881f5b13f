"""Where organisations' private keys live, behind one interface.

Everything that signs asks :func:`key_store` for a :class:`identity.keys.Signer`.
The default store keeps keys in the database sealed under the platform master key
(``LIANZHENG_MASTER_KEY`` / ``LIANZHENG_MASTER_KEY_FILE``: 32 bytes, base64url or
hex). A KMS or HSM replaces it by naming another class in
``LIANZHENG_KEY_STORE``; callers never see key material either way.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from identity.keys import KeySigner, KeyType, PrivateKey, Signer, open_private_key, seal_private_key

if TYPE_CHECKING:
    from identity.models import OrgKey


class KeyStore(Protocol):
    """Creates keys and signs with them; private key material never leaves it."""

    def create(self, *, key: OrgKey, key_type: KeyType) -> str:
        """Generate a key for ``key`` (not yet saved); return its public key multibase
        and fill in whatever the store keeps on the row."""

    def signer(self, *, key: OrgKey, verification_method: str) -> Signer:
        """A signer for ``key``."""


def _decode_master_key(text: str) -> bytes:
    text = text.strip()
    for decode in (bytes.fromhex, lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))):
        try:
            raw = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(raw) == 32:
            return raw
    raise ImproperlyConfigured("LIANZHENG_MASTER_KEY must be 32 bytes, hex or base64url encoded")


class SealedDatabaseKeyStore:
    """Keys sealed with AES-256-GCM under the master key, stored on the ``OrgKey`` row.

    The associated data binds each sealed key to its organisation and fragment.
    """

    kek_id = "master-v1"

    def __init__(self) -> None:
        master = settings.LIANZHENG_MASTER_KEY
        if not master:
            raise ImproperlyConfigured(
                "LIANZHENG_MASTER_KEY (or LIANZHENG_MASTER_KEY_FILE) is required to create or use signing keys"
            )
        self._kek = _decode_master_key(master)

    @staticmethod
    def _aad(key: OrgKey) -> bytes:
        return f"lianzheng:orgkey:{key.organisation_id}:{key.fragment}".encode()

    def create(self, *, key: OrgKey, key_type: KeyType) -> str:
        private = PrivateKey.generate(key_type)
        key.sealed_private = seal_private_key(private, self._kek, aad=self._aad(key), kek_id=self.kek_id)
        return private.public_key.multibase()

    def signer(self, *, key: OrgKey, verification_method: str) -> Signer:
        private = open_private_key(key.sealed_private, self._kek, aad=self._aad(key))
        return KeySigner(private, verification_method)


@lru_cache(maxsize=1)
def key_store() -> KeyStore:
    """The configured key store (one per process)."""
    cls = import_string(settings.LIANZHENG_KEY_STORE)
    store: KeyStore = cls()
    return store
