"""cassandra-driver's policy classes, accepted by AsyncCluster and stored.

This increment keeps them as configuration: one connection pool per contact
point in the C core, retries decided by the core. The classes keep the driver's
constructors, validation and the pure parts (reconnection schedules, retry
decisions) so programs that build them run unchanged; routing by them comes
with the cluster work.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional, Tuple


class WriteType:
    """The write types of WRITE_TIMEOUT / WRITE_FAILURE, as the driver numbers them."""

    SIMPLE = 0
    BATCH = 1
    UNLOGGED_BATCH = 2
    COUNTER = 3
    BATCH_LOG = 4
    CAS = 5
    VIEW = 6
    CDC = 7

    name_to_value = {
        "SIMPLE": SIMPLE, "BATCH": BATCH, "UNLOGGED_BATCH": UNLOGGED_BATCH,
        "COUNTER": COUNTER, "BATCH_LOG": BATCH_LOG, "CAS": CAS, "VIEW": VIEW, "CDC": CDC,
    }
    value_to_name = {v: k for k, v in name_to_value.items()}


class HostDistance:
    """Distances a load-balancing policy assigns to hosts."""

    IGNORED = -1
    LOCAL = 0
    REMOTE = 1


class LoadBalancingPolicy:
    """Base of the load-balancing policies (stored, not yet consulted)."""

    def populate(self, cluster: Any, hosts: Any) -> None:  # driver hook
        self._hosts = list(hosts)

    def distance(self, host: Any) -> int:
        return HostDistance.LOCAL


class RoundRobinPolicy(LoadBalancingPolicy):
    """Every host in turn."""


class DCAwareRoundRobinPolicy(LoadBalancingPolicy):
    """Hosts of ``local_dc`` first; ``used_hosts_per_remote_dc`` remote ones after."""

    def __init__(self, local_dc: str = "", used_hosts_per_remote_dc: int = 0) -> None:
        if used_hosts_per_remote_dc < 0:
            raise ValueError("used_hosts_per_remote_dc must not be negative")
        self.local_dc = local_dc
        self.used_hosts_per_remote_dc = used_hosts_per_remote_dc


class TokenAwarePolicy(LoadBalancingPolicy):
    """Replicas of the statement's partition first, then ``child_policy``'s order."""

    def __init__(self, child_policy: LoadBalancingPolicy, shuffle_replicas: bool = True) -> None:
        if child_policy is None:
            raise TypeError("TokenAwarePolicy needs a child policy")
        self._child_policy = child_policy
        self.shuffle_replicas = shuffle_replicas

    @property
    def child_policy(self) -> LoadBalancingPolicy:
        return self._child_policy


class ReconnectionPolicy:
    """Yields the delays (seconds) between reconnection attempts."""

    def new_schedule(self) -> Iterator[float]:
        raise NotImplementedError()


class ConstantReconnectionPolicy(ReconnectionPolicy):
    """The same ``delay`` every time, at most ``max_attempts`` times (None: forever)."""

    def __init__(self, delay: float, max_attempts: Optional[int] = 64) -> None:
        if delay < 0:
            raise ValueError("delay must not be negative")
        if max_attempts is not None and max_attempts < 0:
            raise ValueError("max_attempts must not be negative")
        self.delay = delay
        self.max_attempts = max_attempts

    def new_schedule(self) -> Iterator[float]:
        n = 0
        while self.max_attempts is None or n < self.max_attempts:
            yield self.delay
            n += 1


class ExponentialReconnectionPolicy(ReconnectionPolicy):
    """``base_delay`` doubling up to ``max_delay``; ``max_attempts`` (None: forever)."""

    def __init__(self, base_delay: float, max_delay: float,
                 max_attempts: Optional[int] = 64) -> None:
        if base_delay < 0 or max_delay < 0:
            raise ValueError("Delays may not be negative")
        if max_delay < base_delay:
            raise ValueError("Max delay must be greater than base delay")
        if max_attempts is not None and max_attempts < 0:
            raise ValueError("max_attempts must not be negative")
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts

    def new_schedule(self) -> Iterator[float]:
        n = 0
        delay = self.base_delay
        while self.max_attempts is None or n < self.max_attempts:
            yield min(delay, self.max_delay)
            if delay < self.max_delay:
                delay *= 2
            n += 1


Decision = Tuple[int, Optional[int]]


class RetryPolicy:
    """The driver's default retry decisions. Each method returns
    ``(decision, consistency)``; the decisions are the class constants."""

    RETRY = 0
    RETHROW = 1
    IGNORE = 2
    RETRY_NEXT_HOST = 3

    def on_read_timeout(self, query: Any, consistency: int, required_responses: int,
                        received_responses: int, data_retrieved: bool,
                        retry_num: int) -> Decision:
        """Once, when enough replicas answered but the data one did not."""
        if retry_num != 0:
            return self.RETHROW, None
        if received_responses >= required_responses and not data_retrieved:
            return self.RETRY, consistency
        return self.RETHROW, None

    def on_write_timeout(self, query: Any, consistency: int, write_type: Any,
                         required_responses: int, received_responses: int,
                         retry_num: int) -> Decision:
        """Once, for the batch log write only (it is safe to repeat)."""
        if retry_num != 0:
            return self.RETHROW, None
        if write_type in (WriteType.BATCH_LOG, "BATCH_LOG"):
            return self.RETRY, consistency
        return self.RETHROW, None

    def on_unavailable(self, query: Any, consistency: int, required_replicas: int,
                       alive_replicas: int, retry_num: int) -> Decision:
        """Once on the next host: another coordinator may see more replicas."""
        if retry_num == 0:
            return self.RETRY_NEXT_HOST, None
        return self.RETHROW, None

    def on_request_error(self, query: Any, consistency: int, error: BaseException,
                         retry_num: int) -> Decision:
        return self.RETRY_NEXT_HOST, None


class FallthroughRetryPolicy(RetryPolicy):
    """Never retries."""

    def on_read_timeout(self, *args: Any, **kwargs: Any) -> Decision:
        return self.RETHROW, None

    def on_write_timeout(self, *args: Any, **kwargs: Any) -> Decision:
        return self.RETHROW, None

    def on_unavailable(self, *args: Any, **kwargs: Any) -> Decision:
        return self.RETHROW, None

    def on_request_error(self, *args: Any, **kwargs: Any) -> Decision:
        return self.RETHROW, None
