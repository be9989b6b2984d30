"""Signed, expiring tokens for links in e-mails (confirmation, private follow-up links)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing


class InvalidToken(Exception):
    """The token is forged, belongs to another purpose, or has expired."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def make_token(purpose: str, value: str | int) -> str:
    return signing.dumps(str(value), salt=f"sportloket.{purpose}", compress=False)


def read_token(purpose: str, token: str, *, max_age: int | None = None) -> str:
    """Return the signed value, or raise InvalidToken (``expired=True`` for an old link)."""
    max_age = settings.SPORTLOKET_CONFIRMATION_MAX_AGE if max_age is None else max_age
    try:
        return signing.loads(token, salt=f"sportloket.{purpose}", max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvalidToken(expired=True) from exc
    except signing.BadSignature as exc:
        raise InvalidToken from exc
