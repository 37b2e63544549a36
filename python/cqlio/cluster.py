"""AsyncCluster: where sessions come from.

Holds the configuration (async-cassandra's constructor, cassandra-driver's
keyword names), resolves contact point names on the event loop (the C core
gets numeric addresses only, so no lookup ever blocks the loop), and makes
AsyncCassandraSessions over new _core.Sessions. ``close()`` closes every
session it made.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import weakref
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import exceptions as E
from ._corelink import require_core
from .auth import PlainTextAuthProvider, credentials_of
from .exceptions import NoHostAvailable
from .retry_policy import AsyncRetryPolicy
from .session import EXEC_PROFILE_DEFAULT, AsyncCassandraSession, check_keyspace_name
from .udt import register_user_type as _register_user_type

__all__ = ["AsyncCluster", "NoHostAvailable", "EXEC_PROFILE_DEFAULT"]

# idle_heartbeat_interval 0 turns heartbeats off: the core's longest interval
# (46 days) stands for "never".
_NO_HEARTBEAT = 4e6

# cassandra-driver Cluster keywords a program may pass; stored, not used yet.
_DRIVER_KWARGS = frozenset({
    "conviction_policy_factory", "metrics_enabled", "connection_class", "ssl_options",
    "sockopts", "cql_version", "schema_metadata_enabled", "token_metadata_enabled",
    "address_translator", "prepare_on_all_hosts", "reprepare_on_up", "execution_profiles",
    "allow_beta_protocol_version", "timestamp_generator", "idle_heartbeat_timeout",
    "no_compact", "endpoint_factory", "application_version", "monitor_reporting_enabled",
    "monitor_reporting_interval", "client_id", "cloud", "column_encryption_policy",
    "default_retry_policy", "shard_aware_options",
})
# Keywords cqlio uses (with their defaults).
_CQLIO_KWARGS: Dict[str, Any] = {
    "connect_timeout": 5.0,      # seconds per connection attempt
    "request_timeout": 12.0,     # seconds per request unless execute(timeout=...)
    "compression": True,         # LZ4 when the server offers it
    "application_name": None,    # sent in STARTUP
    "prepared_cache_size": 512,  # per-session LRU of prepared statements
}


def _split_contact(point: Any, default_port: int) -> Tuple[str, int]:
    """(host, port) from "host", "host:port", "[v6]:port", a bare IPv6 address
    or a (host, port) tuple."""
    if isinstance(point, tuple) and len(point) == 2:
        return str(point[0]), int(point[1])
    if not isinstance(point, str) or not point.strip():
        raise ValueError("contact point %r is not a host name or address" % (point,))
    text = point.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            return host, int(rest[1:])
        return host, default_port
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port)
    return text, default_port  # a name, an IPv4 address or a bare IPv6 address


def _format_address(address: str, port: int) -> str:
    return "[%s]:%d" % (address, port) if ":" in address else "%s:%d" % (address, port)


class AsyncCluster:
    """A Cassandra cluster to connect to (async-cassandra's AsyncCluster).

    Every keyword of async-cassandra's constructor is accepted. cqlio uses
    contact_points, port, auth_provider (username and password),
    protocol_version (None: v5 then v4; 4 or 5 forces one),
    idle_heartbeat_interval (0 or None: no heartbeats, as in the driver),
    and the keywords connect_timeout,
    request_timeout, compression, application_name. The policies are stored
    (``retry_policy`` defaults to AsyncRetryPolicy()); ``executor_threads``
    has nothing to do since cqlio runs no threads. cassandra-driver's other
    Cluster keywords are accepted and stored; an unknown one is a TypeError.
    """

    def __init__(self, contact_points: Optional[Iterable[Any]] = None, port: int = 9042,
                 auth_provider: Any = None, load_balancing_policy: Any = None,
                 reconnection_policy: Any = None, retry_policy: Any = None,
                 ssl_context: Any = None, protocol_version: Optional[int] = None,
                 executor_threads: int = 2, max_schema_agreement_wait: int = 10,
                 control_connection_timeout: float = 2.0, idle_heartbeat_interval: float = 30.0,
                 schema_event_refresh_window: float = 2.0,
                 topology_event_refresh_window: float = 10.0,
                 status_event_refresh_window: float = 2.0, **kwargs: Any) -> None:
        unknown = set(kwargs) - _DRIVER_KWARGS - set(_CQLIO_KWARGS)
        if unknown:
            raise TypeError("AsyncCluster() got unexpected keyword argument(s): %s"
                            % ", ".join(sorted(unknown)))
        if contact_points is None:
            contact_points = ["127.0.0.1"]
        elif isinstance(contact_points, str):
            contact_points = [p for p in contact_points.split(",") if p.strip()]
        self.contact_points: List[Any] = list(contact_points)
        if not self.contact_points:
            raise E.ConfigurationError("contact_points is empty")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise E.ConfigurationError("port must be 1-65535, not %r" % (port,))
        self.port = port
        self._contacts = [_split_contact(p, port) for p in self.contact_points]
        if ssl_context is not None:
            raise E.ConfigurationError(
                "ssl_context: TLS is not available in this version of cqlio; refusing to "
                "send credentials and data in clear text instead")
        if protocol_version not in (None, 0, 4, 5):
            raise E.ConfigurationError("protocol_version must be 4 or 5 (None: 5, then 4), "
                                       "not %r" % (protocol_version,))
        self.protocol_version = protocol_version
        try:
            self._username, self._password = credentials_of(auth_provider)
        except ValueError as exc:
            raise E.AuthenticationError(str(exc), cause=exc) from None
        self.auth_provider = auth_provider
        self.load_balancing_policy = load_balancing_policy
        self.reconnection_policy = reconnection_policy
        self.retry_policy = retry_policy if retry_policy is not None else AsyncRetryPolicy()
        self.ssl_context = ssl_context
        self.executor_threads = executor_threads
        self.max_schema_agreement_wait = max_schema_agreement_wait
        self.control_connection_timeout = control_connection_timeout
        if idle_heartbeat_interval is not None and idle_heartbeat_interval < 0:
            raise E.ConfigurationError("idle_heartbeat_interval must be 0 (off) or positive")
        self.idle_heartbeat_interval = idle_heartbeat_interval
        self.schema_event_refresh_window = schema_event_refresh_window
        self.topology_event_refresh_window = topology_event_refresh_window
        self.status_event_refresh_window = status_event_refresh_window
        self.options: Dict[str, Any] = dict(_CQLIO_KWARGS)
        self.options.update(kwargs)
        for name in ("connect_timeout", "request_timeout"):
            value = self.options[name]
            if value is None or not value > 0:
                raise E.ConfigurationError("%s must be a positive number of seconds" % name)
        self._sessions: "weakref.WeakSet[AsyncCassandraSession]" = weakref.WeakSet()
        self._closed = False

    @classmethod
    def create_with_auth(cls, contact_points: Optional[Iterable[Any]], username: str,
                         password: str, **kwargs: Any) -> "AsyncCluster":
        """A cluster that logs in with PasswordAuthenticator credentials."""
        return cls(contact_points=contact_points,
                   auth_provider=PlainTextAuthProvider(username=username, password=password),
                   **kwargs)

    # -- state -------------------------------------------------------------
    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def metadata(self) -> Any:
        """Schema and topology metadata: not provided yet (None)."""
        return None

    def register_user_type(self, keyspace: str, user_type: str, klass: type) -> None:
        """Values of ``keyspace.user_type`` read as ``klass(**fields)``
        (process-wide: the C core's UDT factory is)."""
        _register_user_type(keyspace, user_type, klass)

    # -- connecting --------------------------------------------------------
    async def _addresses(self) -> Tuple[List[str], Dict[str, BaseException]]:
        """Numeric "address:port" strings for the contact points, resolved with
        the loop's getaddrinfo, and the error of each name that failed."""
        loop = asyncio.get_running_loop()
        found: List[str] = []
        errors: Dict[str, BaseException] = {}
        for host, port in self._contacts:
            try:
                ipaddress.ip_address(host)
                addresses = [host]
            except ValueError:
                try:
                    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                except (OSError, UnicodeError) as exc:
                    errors["%s:%d" % (host, port)] = exc
                    continue
                addresses = [str(info[4][0]) for info in infos]
            for address in addresses:
                text = _format_address(address, port)
                if text not in found:
                    found.append(text)
        return found, errors

    async def _open_core(self, keyspace: Optional[str]) -> Any:
        """A connected _core.Session on ``keyspace``; ConnectFailed when no
        contact point answers."""
        core_module = require_core()
        addresses, errors = await self._addresses()
        if not addresses:
            raise E.ConnectFailed("Failed to connect to cluster: no contact point resolved to "
                                  "an address (%s)" % "; ".join(
                                      "%s: %s" % kv for kv in errors.items()), errors)
        try:
            core = core_module.Session(
                ",".join(addresses), port=self.port, keyspace=keyspace,
                username=self._username, password=self._password,
                protocol_version=self.protocol_version or 0,
                compression=bool(self.options["compression"]),
                connect_timeout=float(self.options["connect_timeout"]),
                request_timeout=float(self.options["request_timeout"]),
                heartbeat_interval=float(self.idle_heartbeat_interval or _NO_HEARTBEAT),
                application_name=self.options["application_name"])
        except (TypeError, ValueError) as exc:
            raise E.ConfigurationError("invalid configuration: %s" % (exc,), cause=exc) from exc
        try:
            await core.connect()
        except BaseException as exc:
            failures = core.connect_failures()
            core.close()
            if isinstance(exc, (E.InvalidRequest, E.ConfigurationException)):
                raise  # USE of a keyspace that does not exist: the driver raises it as is
            if isinstance(exc, Exception):
                for failure in failures or [exc]:  # each host tried, in order
                    errors[getattr(failure, "host", None) or ",".join(addresses)] = failure
                raise E.ConnectFailed("Failed to connect to cluster: %s" % (exc,), errors,
                                      cause=exc) from exc
            raise
        return core

    async def connect(self, keyspace: Optional[str] = None,
                      timeout: Optional[float] = None) -> AsyncCassandraSession:
        """A new session, connected (and on ``keyspace`` when given).

        Raises ConnectFailed (a cqlio.ConnectionError and a NoHostAvailable
        with ``errors`` per host) when no host can be used; InvalidRequest for
        a keyspace that does not exist; ConnectTimeout (a ConnectionError and
        an asyncio.TimeoutError) when ``timeout`` seconds pass first."""
        if self._closed:
            raise E.ConnectionError("Cluster is closed")
        if keyspace is not None:
            check_keyspace_name(keyspace)
        if timeout is None:
            core = await self._open_core(keyspace)
        else:
            try:
                core = await asyncio.wait_for(self._open_core(keyspace), timeout)
            except asyncio.TimeoutError as exc:
                if isinstance(exc, (E.AsyncCassandraError, E.DriverException)):
                    raise
                raise E.ConnectTimeout("Connection timeout after %g seconds" % timeout) from None
        if self._closed:  # closed while connecting
            core.close()
            raise E.ConnectionError("Cluster is closed")
        session = AsyncCassandraSession(core, self, keyspace, open_core=self._open_core,
                                        prepared_cache_size=self.options["prepared_cache_size"])
        self._sessions.add(session)
        return session

    def _forget(self, session: AsyncCassandraSession) -> None:
        self._sessions.discard(session)

    # -- closing -------------------------------------------------------------
    async def close(self) -> None:
        """Closes every session this cluster made; returns when all is released."""
        if self._closed:
            return
        self._closed = True
        for session in list(self._sessions):
            await session.close()

    shutdown = close

    async def __aenter__(self) -> "AsyncCluster":
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        return "<AsyncCluster contact_points=%r port=%d%s>" % (
            self.contact_points, self.port, " closed" if self._closed else "")
