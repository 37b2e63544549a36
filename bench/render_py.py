"""render_py — charts and Markdown tables from the JSON lines of bench_py.py.

    render_py.py RESULTS.json [--img-dir DIR] [--markdown PATH]

Reads the per-client medians of a bench_py.py run (the lines whose "round" is
"median of N"; per-round, warm-up and ratio lines are ignored, error lines are
listed as failed runs) and writes two PNG charts into DIR (default docs/img of
this repository):

    bench-py-throughput.png   requests/s (W1, W2) or rows/s (W3), per client
    bench-py-cpu.png          client CPU microseconds per request or row

then prints a Markdown table of every (workload, client) median, the failed runs
and the ratios of cqlio to each peer, on stdout or into PATH with --markdown.
Needs matplotlib only (Agg backend); run it with an interpreter that has it, e.g.
.cache/bench-peers/bin/python bench/render_py.py bench/results/py.json
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import FuncFormatter  # noqa: E402

WORKLOADS = {"W1": "prepared reads", "W2": "prepared inserts", "W3": "streamed rows"}
CLIENTS = ("cqlio", "cassandra-driver", "async-cassandra", "acsylla")
COLOURS = {"cqlio": "#d62728", "cassandra-driver": "#1f77b4",
           "async-cassandra": "#17becf", "acsylla": "#7f7f7f"}
DEFAULT_IMG_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "img")


# ---- reading -------------------------------------------------------------------------

def read_results(path):
    """The median lines and the error lines of a bench_py.py output file."""
    medians, failures = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                print(f"{path}:{number}: not JSON, skipped", file=sys.stderr)
                continue
            if not isinstance(record, dict):
                continue
            if "error" in record:
                failures.append(record)
            elif str(record.get("round", "")).startswith("median of"):
                medians.append(record)
    return medians, failures


def is_rows(record):
    return "rows_per_s" in record


def throughput(record):
    return record["rows_per_s"] if is_rows(record) else record["requests_per_s"]


def unit(workload_records):
    return "rows/s" if any(is_rows(r) for r in workload_records) else "requests/s"


def item(workload_records):
    return "row" if any(is_rows(r) for r in workload_records) else "request"


def by_workload(medians):
    """{workload: [median records in client order]}, workloads in W1, W2, W3 order;
    clients or workloads not named in CLIENTS / WORKLOADS come after the known ones."""
    def client_rank(r):
        return CLIENTS.index(r["client"]) if r["client"] in CLIENTS else len(CLIENTS)

    groups = {}
    for r in medians:
        groups.setdefault(r["workload"], []).append(r)
    order = [w for w in WORKLOADS if w in groups] + sorted(w for w in groups if w not in WORKLOADS)
    return {w: sorted(groups[w], key=client_rank) for w in order}


# ---- numbers as text -----------------------------------------------------------------

def short(value):
    """28452 -> 28.5k, 1234567 -> 1.23M, 434.0 -> 434, 14.0 -> 14.0, 0.575 -> 0.575"""
    if value >= 1e6:
        return f"{value / 1e6:.3g}M"
    if value >= 1e3:
        return f"{value / 1e3:.3g}k"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def tick(value, _position=None):
    """An axis tick: 120000 -> 120k, 2500 -> 2.5k, 50 -> 50, 0.5 -> 0.5"""
    if value >= 1e6:
        return f"{value / 1e6:g}M"
    if value >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def cell(value, fmt="{:,}"):
    return "—" if value is None else fmt.format(value)


# ---- charts --------------------------------------------------------------------------

def bar_chart(groups, value_of, ylabel_of, title, path):
    """One subplot per workload, one bar per client, the value written on each bar."""
    fig, axes = plt.subplots(1, len(groups), figsize=(10, 4), dpi=100, squeeze=False)
    for ax, (workload, records) in zip(axes[0], groups.items()):
        names = [r["client"] for r in records]
        values = [value_of(r) for r in records]
        bars = ax.bar(range(len(names)), values,
                      color=[COLOURS.get(n, "#bcbd22") for n in names], width=0.7)
        ax.bar_label(bars, labels=[short(v) for v in values], padding=2, fontsize=9)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=25, ha="right", fontsize=9)
        ax.set_title(f"{workload} · {WORKLOADS.get(workload, '')}".rstrip(" ·"), fontsize=11)
        ax.set_ylabel(ylabel_of(records), fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        ax.yaxis.set_major_formatter(FuncFormatter(tick))
        ax.set_ylim(0, max(values) * 1.15 or 1)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_charts(groups, img_dir):
    os.makedirs(img_dir, exist_ok=True)
    paths = (os.path.join(img_dir, "bench-py-throughput.png"),
             os.path.join(img_dir, "bench-py-cpu.png"))
    bar_chart(groups, throughput, unit,
              "Throughput (median run, higher is better)", paths[0])
    bar_chart(groups, lambda r: r["client_cpu_us_per_item"],
              lambda rs: f"client CPU µs per {item(rs)}",
              "Client CPU per item (median run, lower is better)", paths[1])
    return paths


# ---- Markdown --------------------------------------------------------------------------

def medians_table(groups):
    lines = ["| workload | client | throughput | p50 ms | p99 ms | client CPU µs/item "
             "| server CPU s | peak RSS MiB | spread |",
             "|---|---|--:|--:|--:|--:|--:|--:|---|"]
    for workload, records in groups.items():
        for r in records:
            spread = ", ".join(f"{v:,}" for v in r.get("spread", []))
            lines.append(
                f"| {workload} | {r['client']} | {throughput(r):,} {unit([r])} "
                f"| {cell(r.get('p50_ms'), '{:.2f}')} | {cell(r.get('p99_ms'), '{:.2f}')} "
                f"| {cell(r.get('client_cpu_us_per_item'), '{:g}')} "
                f"| {cell(r.get('server_cpu_s'), '{:g}')} "
                f"| {cell(r.get('peak_rss_mib'), '{:.1f}')} | {spread} |")
    return lines


def failures_list(failures):
    if not failures:
        return []
    lines = ["", "Failed runs:", ""]
    for f in failures:
        error = f["error"]
        if isinstance(error, list):
            error = " ".join(str(e) for e in error) or "(no message)"
        where = " ".join(str(x) for x in (f.get("workload"), f.get("client")) if x)
        round_ = f" (round {f['round']})" if "round" in f else ""
        lines.append(f"- {where or '?'}{round_}: {error}")
    return lines


def ratios_table(groups):
    """cqlio's median against each peer's: above 1 for throughput and below 1 for
    CPU per item mean cqlio does better."""
    lines = ["", "cqlio / peer (throughput: higher is better for cqlio; "
                 "CPU per item: lower is better for cqlio):", "",
             "| workload | peer | throughput ratio | CPU-per-item ratio |",
             "|---|---|--:|--:|"]
    rows = 0
    for workload, records in groups.items():
        mine = next((r for r in records if r["client"] == "cqlio"), None)
        if mine is None:
            continue
        for peer in (r for r in records if r["client"] != "cqlio"):
            cpu = (mine["client_cpu_us_per_item"] / peer["client_cpu_us_per_item"]
                   if peer["client_cpu_us_per_item"] else None)
            lines.append(f"| {workload} | {peer['client']} "
                         f"| {throughput(mine) / throughput(peer):.2f} | {cell(cpu, '{:.3f}')} |")
            rows += 1
    return lines if rows else lines[:2] + ["(no workload has both cqlio and a peer)"]


def markdown(groups, failures):
    return "\n".join(medians_table(groups) + failures_list(failures) + ratios_table(groups)) + "\n"


# ---- main ------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="Charts and Markdown tables from bench_py.py output.")
    ap.add_argument("results",
                    help="the JSON lines bench_py.py printed, e.g. bench/results/py.json")
    ap.add_argument("--img-dir", default=DEFAULT_IMG_DIR,
                    help="where the PNG charts go (default: docs/img of this repository)")
    ap.add_argument("--markdown", metavar="PATH", help="write the tables here instead of stdout")
    args = ap.parse_args()

    medians, failures = read_results(args.results)
    if not medians:
        sys.exit(f"{args.results}: no median lines (\"round\": \"median of N\") — "
                 "nothing to render; did bench_py.py finish?")
    groups = by_workload(medians)
    for path in write_charts(groups, args.img_dir):
        print(f"wrote {path}", file=sys.stderr)
    text = markdown(groups, failures)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.markdown}", file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
