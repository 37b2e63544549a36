"""bench_py — W1, W2 and W3 of the performance brief from Python, with cqlio and its
peers on the same server in the same run: cassandra-driver (its Cython build, libev
reactor), async-cassandra over it, and acsylla.

    bench_py.py [--cqlio-python PY] [--peers-python PY] [--requests N] [--rows N]
                [--rounds R] [--clients a,b,...]

Each (workload, client) runs in a process of its own (this file, re-run with --child),
so client CPU and peak RSS belong to that client alone; the parent reads the Cassandra
process's CPU from /proc/<pid>/stat around each child. A warm-up run of each workload
comes first (a cold server is several times slower), then R rounds in which the
clients take turns, each round in another order. Every client reads the b column of
each row it gets (W1, W3) and the sums must agree. One JSON object per run on stdout,
then the median run of each client, then the ratios of the medians to each peer.
"""
import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time

HOST = "127.0.0.1"
CONCURRENCY = 256
READ = "SELECT k, b, t, d, ts FROM cqlio_bench.w WHERE k = ?"
INSERT = "INSERT INTO cqlio_bench.w (k, b, t, d, ts) VALUES (?, ?, ?, ?, ?)"
STREAM = "SELECT k, b FROM cqlio_bench.stream_{rows}"
TABLE_ROWS = 100_000


def server_pid():
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if b"CassandraDaemon" in f.read():
                    return int(name)
        except OSError:
            pass
    return None


def process_cpu(pid):
    if pid is None:
        return -1.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def insert_values(i):
    k = (i * 7919) % TABLE_ROWS
    import datetime
    ts = datetime.datetime.fromtimestamp(1_700_000_000 + k / 1000, datetime.timezone.utc)
    return (k, k * 3, f"row-{k:08d}-abcdefghijklmnopqrs", k * 0.5, ts)


def read_values(i):
    return ((i * 7919) % TABLE_ROWS,)


# ---- the clients, each in its child process ---------------------------------------

# The workload's own interval, marked by the clients: connecting, preparing and
# shutting down are left out (async-cassandra's shutdown sleeps 5 s, for one).
WATCH = {"start": None, "end": None, "cpu_start": 0.0, "cpu_end": 0.0}


def process_cpu_self():
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread: the driver's reactor too
    return usage.ru_utime + usage.ru_stime


def mark_start():
    WATCH["start"] = time.perf_counter()
    WATCH["cpu_start"] = process_cpu_self()


def mark_end():
    WATCH["end"] = time.perf_counter()
    WATCH["cpu_end"] = process_cpu_self()


async def run_async(execute, n, values_of):
    """n requests, CONCURRENCY at a time, through an awaitable execute(values)
    that returns the b column read (0 for an insert): (latencies, checksum)."""
    latencies = []
    next_i = 0
    total = 0

    async def worker():
        nonlocal next_i, total
        while next_i < n:
            i = next_i
            next_i += 1
            t0 = time.perf_counter()
            b = await execute(values_of(i))  # (not `total += await ...`: the read of
            total += b                       # total would come before the await)
            latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies, total


async def async_cassandra_requests(session, workload, n):
    """W1 or W2 through a session with async-cassandra's API (cqlio's or
    async-cassandra's own): prepare, then n executes."""
    query = READ if workload == "W1" else INSERT
    prepared = await session.prepare(query)
    values_of = read_values if workload == "W1" else insert_values

    async def execute(values):
        row = (await session.execute(prepared, values)).one()
        return row.b if row is not None else 0

    mark_start()
    latencies, total = await run_async(execute, n, values_of)
    mark_end()
    return latencies, n, total


async def cqlio_child(workload, n, rows):
    import cqlio
    cluster = cqlio.AsyncCluster([HOST])
    session = await cluster.connect()
    try:
        if workload == "W3":
            mark_start()
            total = count = 0
            config = cqlio.StreamConfig(fetch_size=5000)
            async with await session.execute_stream(STREAM.format(rows=rows),
                                                    stream_config=config) as result:
                async for page in result.pages():
                    for row in page:
                        count += 1
                        total += row[1]
            mark_end()
            return [], count, total
        return await async_cassandra_requests(session, workload, n)
    finally:
        await cluster.shutdown()


async def async_cassandra_child(workload, n, rows):
    from async_cassandra import AsyncCluster, StreamConfig
    cluster = AsyncCluster([HOST])
    session = await cluster.connect()
    try:
        if workload == "W3":
            total = count = 0
            mark_start()
            result = await session.execute_stream(STREAM.format(rows=rows),
                                                  stream_config=StreamConfig(fetch_size=5000))
            async with result:
                async for row in result:
                    count += 1
                    total += row[1]
            mark_end()
            return [], count, total
        return await async_cassandra_requests(session, workload, n)
    finally:
        await cluster.shutdown()


async def acsylla_child(workload, n, rows):
    import acsylla
    cluster = acsylla.create_cluster([HOST])
    session = await cluster.create_session()
    try:
        if workload == "W3":
            total = count = 0
            mark_start()
            statement = acsylla.create_statement(STREAM.format(rows=rows), page_size=5000)
            result = await session.execute(statement)
            while True:
                for row in result:
                    count += 1
                    total += row.column_value("b")
                if not result.has_more_pages():
                    break
                statement.set_page_state(result.page_state())
                result = await session.execute(statement)
            mark_end()
            return [], count, total
        query = READ if workload == "W1" else INSERT
        prepared = await session.create_prepared(query)
        values_of = read_values if workload == "W1" else insert_values

        async def execute(values):
            statement = prepared.bind()
            statement.bind_list(list(values))
            row = (await session.execute(statement)).first()
            return row.column_value("b") if row is not None else 0

        mark_start()
        latencies, total = await run_async(execute, n, values_of)
        mark_end()
        return latencies, n, total
    finally:
        await session.close()


def driver_child(workload, n, rows):
    """cassandra-driver as its users drive it for throughput: execute_async with
    callbacks, CONCURRENCY requests in flight, on its libev reactor thread."""
    import threading
    from cassandra.cluster import Cluster
    from cassandra.io.libevreactor import LibevConnection
    from cassandra.query import SimpleStatement
    cluster = Cluster([HOST], connection_class=LibevConnection)
    session = cluster.connect()
    try:
        if workload == "W3":
            total = count = 0
            mark_start()
            statement = SimpleStatement(STREAM.format(rows=rows), fetch_size=5000)
            for row in session.execute(statement):
                count += 1
                total += row[1]
            mark_end()
            return [], count, total
        query = READ if workload == "W1" else INSERT
        prepared = session.prepare(query)
        values_of = read_values if workload == "W1" else insert_values
        latencies = []
        lock = threading.Lock()
        done = threading.Event()
        state = {"next": 0, "finished": 0, "total": 0, "errors": 0}

        def start_one():
            with lock:
                i = state["next"]
                if i >= n:
                    return
                state["next"] += 1
            t0 = time.perf_counter()
            future = session.execute_async(prepared, values_of(i))
            future.add_callbacks(finished, failed, callback_args=(t0,), errback_args=(t0,))

        def finished(rows, t0):
            latencies.append(time.perf_counter() - t0)
            b = rows[0].b if rows else 0
            with lock:
                state["finished"] += 1
                state["total"] += b
                end = state["finished"] == n
            if end:
                done.set()
            else:
                start_one()

        def failed(exc, t0):
            with lock:
                state["errors"] += 1
            finished(None, t0)

        mark_start()
        for _ in range(CONCURRENCY):
            start_one()
        done.wait()
        mark_end()
        if state["errors"]:
            raise RuntimeError("%d of %d requests failed" % (state["errors"], n))
        return latencies, n, state["total"]
    finally:
        cluster.shutdown()


CHILDREN = {"cqlio": cqlio_child, "async-cassandra": async_cassandra_child,
            "acsylla": acsylla_child, "cassandra-driver": driver_child}


def child_main(client, workload, n, rows):
    fn = CHILDREN[client]
    if asyncio.iscoroutinefunction(fn):
        latencies, count, total = asyncio.run(fn(workload, n, rows))
    else:
        latencies, count, total = fn(workload, n, rows)
    seconds = WATCH["end"] - WATCH["start"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()
    out = {"client": client, "workload": workload, "seconds": round(seconds, 3),
           "client_cpu_s": round(WATCH["cpu_end"] - WATCH["cpu_start"], 3),
           "peak_rss_mib": round(usage.ru_maxrss / 1024, 2)}
    if workload == "W3":
        out.update(rows=count, rows_per_s=round(count / seconds), checksum=total)
    else:
        out.update(requests=count, requests_per_s=round(count / seconds), checksum=total,
                   p50_ms=round(latencies[len(latencies) // 2] * 1e3, 3),
                   p99_ms=round(latencies[int(len(latencies) * 0.99)] * 1e3, 3))
    print(json.dumps(out))


# ---- the parent --------------------------------------------------------------------

def run_child(python, client, workload, args, pid):
    """One client on one workload in a process of its own: its JSON result
    with the server's CPU over the same interval, or {"error": ...}."""
    cpu0 = process_cpu(pid)
    proc = subprocess.run([python, os.path.abspath(__file__), "--child", client, workload,
                           str(args.requests), str(args.rows)], capture_output=True, text=True)
    server = process_cpu(pid) - cpu0
    if proc.returncode != 0:
        return {"client": client, "workload": workload,
                "error": proc.stderr.strip().splitlines()[-1:]}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    r["server_cpu_s"] = round(server, 3)
    per = r.get("rows") or r.get("requests")
    r["client_cpu_us_per_item"] = round(r["client_cpu_s"] / per * 1e6, 3)
    return r


def median_of(runs):
    """The run with the median throughput; its figures are reported together
    (a median per figure would mix runs)."""
    key = "rows_per_s" if "rows_per_s" in runs[0] else "requests_per_s"
    ordered = sorted(runs, key=lambda r: r[key])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["round"] = "median of %d" % len(runs)
    chosen["spread"] = [r[key] for r in ordered]
    return chosen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=4, metavar=("CLIENT", "WORKLOAD", "N", "ROWS"))
    ap.add_argument("--cqlio-python", default=sys.executable)
    ap.add_argument("--peers-python", default=None)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", default="cqlio,cassandra-driver,async-cassandra,acsylla")
    args = ap.parse_args()
    if args.child:
        client, workload, n, rows = args.child
        child_main(client, workload, int(n), int(rows))
        return
    pid = server_pid()
    clients = args.clients.split(",")
    python_of = {c: args.cqlio_python if c == "cqlio" else (args.peers_python or sys.executable)
                 for c in clients}
    # The server's JIT and caches: one run of each workload before measuring.
    for workload in ("W2", "W1", "W3"):
        r = run_child(args.cqlio_python, "cqlio", workload, args, pid)
        print(json.dumps({"warm_up": workload, "ok": "error" not in r}), flush=True)
    results = []
    for workload in ("W2", "W1", "W3"):  # W2 first: it fills the table W1 reads
        runs = {c: [] for c in clients}
        for round_ in range(args.rounds):
            # each round in another order: no client always follows the same one
            order = clients[round_ % len(clients):] + clients[:round_ % len(clients)]
            for client in order:
                r = run_child(python_of[client], client, workload, args, pid)
                r["round"] = round_ + 1
                print(json.dumps(r), flush=True)
                if "error" not in r:
                    runs[client].append(r)
        for client in clients:
            if runs[client]:
                results.append(median_of(runs[client]))
                print(json.dumps(results[-1]), flush=True)
    checks = {}
    for r in results:
        if r["workload"] != "W2":
            checks.setdefault(r["workload"], set()).add(r["checksum"])
    for workload, sums in checks.items():
        if len(sums) > 1:
            print(json.dumps({"workload": workload, "error": "clients disagree on the checksum",
                              "checksums": sorted(sums)}), flush=True)
    for workload in ("W1", "W2", "W3"):
        mine = next((r for r in results if r["client"] == "cqlio" and r["workload"] == workload), None)
        if mine is None:
            continue
        key = "rows_per_s" if workload == "W3" else "requests_per_s"
        ratios = {"workload": workload, "cqlio": key}
        for r in results:
            if r["workload"] == workload and r["client"] != "cqlio":
                ratios[f"throughput_vs_{r['client']}"] = round(mine[key] / r[key], 2)
                ratios[f"cpu_per_item_vs_{r['client']}"] = round(
                    mine["client_cpu_us_per_item"] / r["client_cpu_us_per_item"], 3)
        print(json.dumps(ratios), flush=True)


if __name__ == "__main__":
    main()
