"""Authentication providers. The C core speaks PasswordAuthenticator's SASL
PLAIN exchange itself; the provider only carries the credentials to it."""
from __future__ import annotations

from typing import Any, Optional, Tuple


class AuthProvider:
    """Base of the providers AsyncCluster accepts."""

    def new_authenticator(self, host: Any) -> "Authenticator":
        raise NotImplementedError()


class Authenticator:
    """The driver's per-connection authenticator interface (kept for programs
    that subclass it; cqlio's core runs the exchange itself)."""

    server_authenticator_class: Optional[str] = None

    def initial_response(self) -> Optional[bytes]:
        return None

    def evaluate_challenge(self, challenge: bytes) -> Optional[bytes]:
        raise NotImplementedError()

    def on_authentication_success(self, token: Optional[bytes]) -> None:
        pass


class PlainTextAuthenticator(Authenticator):
    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password

    def initial_response(self) -> bytes:
        return b"\x00" + self.username.encode("utf-8") + b"\x00" + self.password.encode("utf-8")

    def evaluate_challenge(self, challenge: bytes) -> None:
        return None


class PlainTextAuthProvider(AuthProvider):
    """Username and password for Cassandra's PasswordAuthenticator."""

    def __init__(self, username: Optional[str] = None, password: Optional[str] = None) -> None:
        self.username = username
        self.password = password

    def new_authenticator(self, host: Any) -> PlainTextAuthenticator:
        return PlainTextAuthenticator(self.username or "", self.password or "")

    def __repr__(self) -> str:  # never print the password
        return "PlainTextAuthProvider(username=%r, password='***')" % (self.username,)


def credentials_of(provider: Optional[AuthProvider]) -> Tuple[Optional[str], Optional[str]]:
    """(username, password) for the core, from a PlainTextAuthProvider or any
    provider object with those two attributes; ValueError for anything else."""
    if provider is None:
        return None, None
    username = getattr(provider, "username", None)
    password = getattr(provider, "password", None)
    if username is None or password is None:
        raise ValueError(
            "%s is not supported: cqlio authenticates with a username and a password "
            "(PlainTextAuthProvider)" % (type(provider).__name__,))
    return str(username), str(password)
