"""The Python example that `make demo` runs (examples/python/), on the test table."""
import importlib.util
import os

import pytest

from .helpers import BIG_ROWS, KEYSPACE

pytestmark = pytest.mark.asyncio

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "python",
                       "stream_rows.py")


def load_example():
    spec = importlib.util.spec_from_file_location("stream_rows", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_stream_rows_reads_every_row_and_leaves_nothing_open(big_table):
    example = load_example()
    out = await example.stream("127.0.0.1", "SELECT p, c FROM %s.big" % KEYSPACE, 3000, 2)
    assert out["rows"] == BIG_ROWS and out["pages"] >= BIG_ROWS // 3000
    assert out["sum"] == sum(range(BIG_ROWS // 10)) * 10  # c runs over each of 10 partitions
    assert not any(out["busy"].values())
