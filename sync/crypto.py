"""Provider tokens at rest: MultiFernet with the keys from FIELD_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts, so a new key can be put in front, everything
re-encrypted with `manage.py rotate_encryption_keys`, and then the old key dropped.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

# Every Fernet token starts with the version byte 0x80, base64-encoded as "gAAAAA".
FERNET_PREFIX = "gAAAAA"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise InvalidToken(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS; "
            "was a key removed before rotate_encryption_keys ran?"
        ) from exc


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column that holds only Fernet ciphertext; Python sees the plain text."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def value_to_string(self, obj):
        # dumpdata writes ciphertext too, so no export of the database carries token text.
        value = self.value_from_object(obj)
        return encrypt(value) if value else value

    def to_python(self, value):
        # loaddata hands back what value_to_string wrote.
        if isinstance(value, str) and value.startswith(FERNET_PREFIX):
            try:
                return decrypt(value)
            except InvalidToken:
                return value
        return value
