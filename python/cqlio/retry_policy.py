"""async-cassandra's retry policy: retries that are safe, bounded by max_retries."""
from __future__ import annotations

from typing import Any

from .policies import Decision, RetryPolicy, WriteType

# Write types a retry cannot apply twice when the statement is idempotent.
_RETRYABLE_WRITES = frozenset({
    WriteType.SIMPLE, WriteType.BATCH, WriteType.UNLOGGED_BATCH,
    "SIMPLE", "BATCH", "UNLOGGED_BATCH",
})


class AsyncRetryPolicy(RetryPolicy):
    """Decisions as async-cassandra makes them; every one rethrows once
    ``retry_num`` reaches ``max_retries``."""

    def __init__(self, max_retries: int = 3) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        self.max_retries = max_retries

    def on_read_timeout(self, query: Any, consistency: int, required_responses: int,
                        received_responses: int, data_retrieved: bool,
                        retry_num: int) -> Decision:
        """Retry at the same consistency when data came back or enough
        replicas answered: the next attempt is likely to succeed."""
        if retry_num >= self.max_retries:
            return self.RETHROW, None
        if data_retrieved or received_responses >= required_responses:
            return self.RETRY, consistency
        return self.RETHROW, None

    def on_write_timeout(self, query: Any, consistency: int, write_type: Any,
                         required_responses: int, received_responses: int,
                         retry_num: int) -> Decision:
        """Only an idempotent statement (``is_idempotent is True``) of a write
        type that applies at most once per retry is retried."""
        if retry_num >= self.max_retries:
            return self.RETHROW, None
        if getattr(query, "is_idempotent", False) is not True:
            return self.RETHROW, None
        if write_type in _RETRYABLE_WRITES:
            return self.RETRY, consistency
        return self.RETHROW, None

    def on_unavailable(self, query: Any, consistency: int, required_replicas: int,
                       alive_replicas: int, retry_num: int) -> Decision:
        """The next host once (it may see more replicas), then the same one."""
        if retry_num >= self.max_retries:
            return self.RETHROW, None
        if retry_num == 0:
            return self.RETRY_NEXT_HOST, None
        return self.RETRY, consistency

    def on_request_error(self, query: Any, consistency: int, error: BaseException,
                         retry_num: int) -> Decision:
        if retry_num >= self.max_retries:
            return self.RETHROW, None
        return self.RETRY_NEXT_HOST, None
