"""Constants and helpers of the integration tests."""
from __future__ import annotations

import asyncio
import gc
import os
from typing import Any, Dict

HOST = os.environ.get("CQLIO_TEST_HOST", "127.0.0.1")
PORT = int(os.environ.get("CQLIO_TEST_PORT", "9042"))
KEYSPACE = "cqlio_pytest_v1"
KEYSPACE2 = "cqlio_pytest_v1_other"
KEYSPACE_RF3 = "cqlio_pytest_v1_rf3"
BIG_ROWS = 100_000
BIG_PARTITIONS = 10
LEDGER_DEADLINE = 15.0  # seconds for late answers to release their stream ids

# ledger entries that must be zero after a piece of work (docs/c-api.md)
BUSY_KEYS = ("in_flight", "reserved_streams", "queued", "pending_futures", "open_streams",
             "buffered_pages", "buffered_bytes")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def busy(resources: Dict[str, int]) -> Dict[str, int]:
    return {k: v for k, v in resources.items() if k in BUSY_KEYS and v}


async def wait_ledger_clear(session: Any, deadline: float = LEDGER_DEADLINE) -> Dict[str, int]:
    """Polls the ledger until nothing is busy; AssertionError after ``deadline`` s."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        res = session.resources()
        if not busy(res):
            return res
        if loop.time() > end:
            raise AssertionError("the resource ledger is not back to zero: %r" % (res,))
        await asyncio.sleep(0.01)


async def wait_until(condition: Any, deadline: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not condition():
        if loop.time() > end:
            raise AssertionError("timed out waiting for " + what)
        await asyncio.sleep(0.001)


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _is_cqlio(obj: Any) -> bool:
    module = getattr(type(obj), "__module__", None)
    return isinstance(module, str) and module.startswith("cqlio")


def cqlio_object_count() -> int:
    """Live objects of cqlio's classes that the garbage collector tracks."""
    return sum(1 for o in gc.get_objects() if _is_cqlio(o))


