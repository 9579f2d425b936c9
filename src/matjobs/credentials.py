"""Passwords and API tokens: only their hashes are ever stored."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def warm_up() -> None:
    """Make the unknown-user hash now, so the first unknown name takes no longer than the rest."""
    _unknown_user_hash()


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` is the one `stored` was made from. For an unknown user (`stored` None)
    the check runs against a hash of the same cost and fails, so that its time does not tell
    which user names exist."""
    if stored is None:
        verify_password(password, _unknown_user_hash())
        return False
    try:
        _, n, r, p, salt, expected = stored.split("$")
        digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is enough to make a stolen table useless."""
    return hashlib.sha256(token.encode()).hexdigest()
