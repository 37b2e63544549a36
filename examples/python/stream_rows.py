"""Streams a whole table from Python with cqlio, in bounded memory.

    python stream_rows.py [--host H] [--query CQL] [--fetch-size N] [--prefetch N]

Reads every row of the query a page at a time on the running asyncio loop
(no thread), sums the second column as a check, then prints the rows, the
rate, the process's peak memory, and the session's resource ledger — all
zero once the stream is closed, whatever way the loop ends.
"""
import argparse
import asyncio
import resource
import sys
import time

import cqlio

DEFAULT_QUERY = "SELECT k, b, t, d, ts FROM cqlio_demo.rows"
BUSY = ("in_flight", "queued", "pending_futures", "open_streams", "buffered_pages",
        "buffered_bytes")


async def stream(host: str, query: str, fetch_size: int, prefetch: int) -> dict:
    async with cqlio.AsyncCluster([host]) as cluster:
        session = await cluster.connect()
        config = cqlio.StreamConfig(fetch_size=fetch_size, prefetch_pages=prefetch)
        rows = total = 0
        start = time.perf_counter()
        async with await session.execute_stream(query, stream_config=config) as result:
            async for page in result.pages():
                rows += len(page)
                total += sum(row[1] for row in page)
        seconds = time.perf_counter() - start
        ledger = session.resources()
        return {"rows": rows, "sum": total, "seconds": seconds, "pages": result.page_number,
                "busy": {key: ledger[key] for key in BUSY}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--query", default=DEFAULT_QUERY)
    ap.add_argument("--fetch-size", type=int, default=5000)
    ap.add_argument("--prefetch", type=int, default=1)
    args = ap.parse_args(argv)
    out = asyncio.run(stream(args.host, args.query, args.fetch_size, args.prefetch))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("cqlio for Python: %d rows in %d pages, %.2f s, %d rows/s, peak RSS %.1f MiB, "
          "sum of column 2 = %d" % (out["rows"], out["pages"], out["seconds"],
                                    out["rows"] / out["seconds"] if out["seconds"] else 0,
                                    peak_mib, out["sum"]))
    print("ledger after the stream: %s" % ", ".join("%s %d" % kv for kv in out["busy"].items()))
    return 0 if not any(out["busy"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
