"""Python-side figures for docs/BENCHMARKS.md, each beside a pure-Python peer measured in the
same run:

| benchmark | peer |
|---|---|
| `dispatch_event` with 0 Python observers | a dict of lists of callables, no callable for the name |
| `dispatch_event` with 1 Python observer | the same dict with one callable |
| `get_bookmarks()` with 1 000 bookmarks | `tomllib` parse of the same omniverse.toml |

    python benches/bench_python.py [--quick]

Measure the release wheel (`maturin build --release`, then `pip install` it) on a quiet machine;
a debug build or a loaded machine gives figures that only prove the script runs. Each row is the
best of 5 repeats of `timeit` (median-free on purpose: the minimum is the least disturbed run).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import timeit

import connection_manager as cm
from connection_manager import eventdispatcher

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None  # type: ignore[assignment]


def per_call_ns(statement, number: int, repeat: int) -> float:
    return min(timeit.repeat(statement, number=number, repeat=repeat)) / number * 1e9


def dispatch_rows(number: int, repeat: int):
    d = eventdispatcher.get_eventdispatcher()
    payload = {"url": "omniverse://host/"}
    bus = {"bench.python.empty": [], "bench.python.one": [lambda payload: None]}

    def peer_dispatch(name, payload):
        for callback in bus.get(name, ()):
            callback(payload)

    rows = []
    # 0 observers: the name is interned (observed once, then reset) but nobody listens.
    d.observe_event(event_name="bench.python.empty", on_event=lambda e: None).reset()
    rows.append((
        "python/dispatch_event/0_observers",
        per_call_ns(lambda: d.dispatch_event("bench.python.empty", payload), number, repeat),
        "python_peer/dict_of_lists/0_callables",
        per_call_ns(lambda: peer_dispatch("bench.python.empty", payload), number, repeat),
    ))
    guard = d.observe_event(event_name="bench.python.one", on_event=lambda e: None)
    rows.append((
        "python/dispatch_event/1_observer",
        per_call_ns(lambda: d.dispatch_event("bench.python.one", payload), number, repeat),
        "python_peer/dict_of_lists/1_callable",
        per_call_ns(lambda: peer_dispatch("bench.python.one", payload), number, repeat),
    ))
    guard.reset()
    return rows


def bookmark_rows(count: int, number: int, repeat: int):
    directory = pathlib.Path(tempfile.mkdtemp())
    path = directory / "omniverse.toml"
    lines = ["[bookmarks]"] + [f'"b{i:04}" = "omniverse://host/Projects/{i}/"' for i in range(count)]
    path.write_text("\n".join(lines) + "\n")
    cm.startup(str(path))
    try:
        assert len(cm.get_bookmarks()) == count
        ours = per_call_ns(cm.get_bookmarks, number, repeat)
        if tomllib is None:
            return [(f"python/get_bookmarks/{count}_bookmarks", ours, "tomllib (Python >= 3.11)", float("nan"))]

        def peer():
            with open(path, "rb") as f:
                return tomllib.load(f)["bookmarks"]

        assert len(peer()) == count
        theirs = per_call_ns(peer, number, repeat)
        return [(f"python/get_bookmarks/{count}_bookmarks", ours, "python_peer/tomllib_parse", theirs)]
    finally:
        cm.shutdown()


def format_ns(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def main() -> None:
    parser = argparse.ArgumentParser(description="cm-python figures beside pure-Python peers")
    parser.add_argument("--quick", action="store_true", help="a short pass that only proves the script runs")
    args = parser.parse_args()
    number, repeat, bookmark_number = (200, 2, 5) if args.quick else (200_000, 5, 200)
    rows = dispatch_rows(number, repeat) + bookmark_rows(1000, bookmark_number, repeat)
    print(f"Python {sys.version.split()[0]}; best of {repeat} repeats")
    print("| benchmark | per call | peer (same run) | peer per call | ratio |")
    print("|---|---:|---|---:|---:|")
    for name, ours, peer, theirs in rows:
        print(f"| `{name}` | {format_ns(ours)} | `{peer}` | {format_ns(theirs)} | {ours / theirs:.2f}x |")


if __name__ == "__main__":
    main()
