"""Policies, the async-cassandra retry policy, and authentication providers."""
import itertools

import pytest

from cqlio import AsyncRetryPolicy, ConsistencyLevel, SimpleStatement
from cqlio.auth import PlainTextAuthProvider, credentials_of
from cqlio.policies import (ConstantReconnectionPolicy, DCAwareRoundRobinPolicy,
                            ExponentialReconnectionPolicy, RetryPolicy, RoundRobinPolicy,
                            TokenAwarePolicy, WriteType)

Q = ConsistencyLevel.QUORUM


class TestAsyncRetryPolicy:
    def setup_method(self):
        self.p = AsyncRetryPolicy(max_retries=3)
        self.idem = SimpleStatement("UPDATE t SET v = 1 WHERE k = 1", is_idempotent=True)
        self.non_idem = SimpleStatement("UPDATE t SET v = v + 1 WHERE k = 1")

    def test_read_timeout_retries_when_data_came_or_enough_replicas(self):
        assert self.p.on_read_timeout(None, Q, 2, 1, True, 0) == (RetryPolicy.RETRY, Q)
        assert self.p.on_read_timeout(None, Q, 2, 2, False, 0) == (RetryPolicy.RETRY, Q)
        assert self.p.on_read_timeout(None, Q, 2, 1, False, 0) == (RetryPolicy.RETHROW, None)

    def test_write_timeout_only_for_idempotent_simple_or_batch(self):
        for wt in (WriteType.SIMPLE, WriteType.BATCH, WriteType.UNLOGGED_BATCH, "SIMPLE"):
            assert self.p.on_write_timeout(self.idem, Q, wt, 2, 1, 0) == (RetryPolicy.RETRY, Q)
        for wt in (WriteType.COUNTER, WriteType.CAS, WriteType.BATCH_LOG):
            assert self.p.on_write_timeout(self.idem, Q, wt, 2, 1, 0)[0] == RetryPolicy.RETHROW
        assert self.p.on_write_timeout(self.non_idem, Q, WriteType.SIMPLE, 2, 1, 0)[0] == \
            RetryPolicy.RETHROW
        truthy_not_true = SimpleStatement("x")
        truthy_not_true.is_idempotent = 1
        assert self.p.on_write_timeout(truthy_not_true, Q, WriteType.SIMPLE, 2, 1, 0)[0] == \
            RetryPolicy.RETHROW

    def test_unavailable_next_host_once_then_same(self):
        assert self.p.on_unavailable(None, Q, 3, 1, 0) == (RetryPolicy.RETRY_NEXT_HOST, None)
        assert self.p.on_unavailable(None, Q, 3, 1, 1) == (RetryPolicy.RETRY, Q)

    def test_request_error_next_host(self):
        assert self.p.on_request_error(None, Q, Exception(), 0) == \
            (RetryPolicy.RETRY_NEXT_HOST, None)

    def test_every_decision_rethrows_at_max_retries(self):
        p = self.p
        assert p.on_read_timeout(None, Q, 2, 2, True, 3)[0] == RetryPolicy.RETHROW
        assert p.on_write_timeout(self.idem, Q, WriteType.SIMPLE, 2, 1, 3)[0] == RetryPolicy.RETHROW
        assert p.on_unavailable(None, Q, 3, 1, 3)[0] == RetryPolicy.RETHROW
        assert p.on_request_error(None, Q, Exception(), 3)[0] == RetryPolicy.RETHROW

    def test_default_and_validation(self):
        assert AsyncRetryPolicy().max_retries == 3
        with pytest.raises(ValueError):
            AsyncRetryPolicy(-1)


def test_driver_default_retry_policy():
    p = RetryPolicy()
    assert p.on_read_timeout(None, Q, 2, 2, False, 0) == (RetryPolicy.RETRY, Q)
    assert p.on_read_timeout(None, Q, 2, 2, True, 0)[0] == RetryPolicy.RETHROW
    assert p.on_write_timeout(None, Q, WriteType.BATCH_LOG, 2, 1, 0) == (RetryPolicy.RETRY, Q)
    assert p.on_write_timeout(None, Q, WriteType.SIMPLE, 2, 1, 0)[0] == RetryPolicy.RETHROW
    assert p.on_unavailable(None, Q, 3, 1, 0)[0] == RetryPolicy.RETRY_NEXT_HOST
    assert p.on_unavailable(None, Q, 3, 1, 1)[0] == RetryPolicy.RETHROW


def test_reconnection_schedules():
    assert list(itertools.islice(ExponentialReconnectionPolicy(1, 10).new_schedule(), 6)) == \
        [1, 2, 4, 8, 10, 10]
    assert len(list(ExponentialReconnectionPolicy(1, 10, max_attempts=3).new_schedule())) == 3
    assert list(ConstantReconnectionPolicy(2, max_attempts=3).new_schedule()) == [2, 2, 2]
    with pytest.raises(ValueError):
        ExponentialReconnectionPolicy(5, 1)
    with pytest.raises(ValueError):
        ExponentialReconnectionPolicy(-1, 1)
    with pytest.raises(ValueError):
        ConstantReconnectionPolicy(-1)


def test_load_balancing_policies_are_accepted():
    dc = DCAwareRoundRobinPolicy(local_dc="dc1", used_hosts_per_remote_dc=1)
    assert (dc.local_dc, dc.used_hosts_per_remote_dc) == ("dc1", 1)
    assert TokenAwarePolicy(dc).child_policy is dc
    RoundRobinPolicy()
    with pytest.raises(ValueError):
        DCAwareRoundRobinPolicy(used_hosts_per_remote_dc=-1)


def test_plain_text_auth_provider():
    p = PlainTextAuthProvider(username="cassandra", password="s3cret")
    assert credentials_of(p) == ("cassandra", "s3cret")
    assert "s3cret" not in repr(p)
    assert p.new_authenticator("h").initial_response() == b"\x00cassandra\x00s3cret"
    assert credentials_of(None) == (None, None)
    with pytest.raises(ValueError):
        credentials_of(object())
