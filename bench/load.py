"""Load generator for `make bench`: GET paths on 127.0.0.1 from a few threads for a fixed time.

Runs as its own process (``bench/run.py`` starts it), so the client's Python is not the server's.
Standard library only. Each thread holds an ``http.client`` keep-alive connection (gunicorn's sync
workers close it after every response; http.client then reconnects by itself) and, when cookies
are given, its own session cookie.

With several targets (a page and its bare baseline), the threads take them in turns: an untimed
warm-up slice for each, then ``--rounds`` timed slices for each, alternating. All threads switch
together at a barrier, so each slice loads one target only, and a change in the machine's load
during the run hits both targets alike. The run is bounded in time and requests (every thread
makes at least one request per slice, each bounded by the socket timeout), and prints one JSON
object on stdout:

    python bench/load.py --port 8123 --target /fullmakter/ --cookie sessionid=abc \\
        --anonymous-target /bench/bare/8/ --seconds 3
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"  # the only host this generator will ever talk to
TIMEOUT = 10.0  # seconds per request
MAX_SECONDS = 120
MAX_REQUESTS = 1_000_000


@dataclass
class Target:
    path: str
    with_cookie: bool
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    first_error: str = ""
    bytes: int = 0
    connections: int = 0
    warmup_requests: int = 0
    timed_seconds: float = 0.0  # the sum of this target's timed slices
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Slice:
    target: Target
    seconds: float
    timed: bool


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


class Run:
    def __init__(self, port: int, cookies: list[str], schedule: list[Slice], concurrency: int, cap: int):
        self.port, self.cookies, self.schedule, self.concurrency = port, cookies, schedule, concurrency
        self.cap = cap  # requests per thread
        self.marks: list[float] = []  # when each slice started (and, last, when the run ended)
        self.barrier = threading.Barrier(concurrency, action=lambda: self.marks.append(time.perf_counter()))

    def thread(self, index: int) -> None:
        cookie = self.cookies[index % len(self.cookies)] if self.cookies else None
        conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        done = 0
        try:
            for piece in self.schedule:
                self.barrier.wait()
                end = time.perf_counter() + piece.seconds
                first = True
                while (first or time.perf_counter() < end) and done < self.cap:
                    first = False
                    done += 1
                    conn = self.request(conn, piece, cookie)
            self.barrier.wait()
        except threading.BrokenBarrierError:
            pass
        finally:
            conn.close()

    def request(self, conn: http.client.HTTPConnection, piece: Slice, cookie: str | None):
        target = piece.target
        headers = {"Host": f"{HOST}:{self.port}", "Accept": "text/html,*/*", "User-Agent": "portal-bench"}
        if cookie and target.with_cookie:
            headers["Cookie"] = cookie
        opened = conn.sock is None
        begin = time.perf_counter()
        try:
            conn.request("GET", target.path, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            with target.lock:
                target.errors += 1
                target.first_error = target.first_error or f"{type(error).__name__}: {error}"
            time.sleep(0.01)
            return http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        elapsed = time.perf_counter() - begin
        with target.lock:
            target.connections += opened
            target.statuses[response.status] = target.statuses.get(response.status, 0) + 1
            if response.status != 200:  # warm-up responses are checked too
                target.errors += 1
                target.first_error = target.first_error or f"HTTP {response.status}: {body[:200]!r}"
            if not piece.timed:
                target.warmup_requests += 1
                return conn
            target.latencies.append(elapsed)
            target.bytes += len(body)
        return conn

    def go(self) -> None:
        threads = [threading.Thread(target=self.thread, args=(i,), daemon=True) for i in range(self.concurrency)]
        for t in threads:
            t.start()
        bound = sum(p.seconds + TIMEOUT + 1 for p in self.schedule) + 10
        deadline = time.perf_counter() + bound
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.perf_counter()))
        if any(t.is_alive() for t in threads):
            self.barrier.abort()
            raise SystemExit("load generator: threads did not finish in time")
        for piece, start, stop in zip(self.schedule, self.marks, self.marks[1:], strict=False):
            if piece.timed:
                piece.target.timed_seconds += stop - start


def summary(target: Target, concurrency: int) -> dict:
    latencies = sorted(target.latencies)
    ms = 1000.0
    seconds = max(target.timed_seconds, 1e-9)
    return {
        "path": target.path,
        "concurrency": concurrency,
        "seconds": round(target.timed_seconds, 3),
        "requests": len(latencies),
        "warmup_requests": target.warmup_requests,
        "errors": target.errors,
        "first_error": target.first_error,
        "statuses": {str(k): v for k, v in target.statuses.items()},
        "connections": target.connections,
        "rps": round(len(latencies) / seconds, 1),
        "median_ms": round(statistics.median(latencies) * ms, 2) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * ms, 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * ms, 2) if latencies else None,
        "max_ms": round(latencies[-1] * ms, 2) if latencies else None,
        "bytes_per_response": round(target.bytes / len(latencies)) if latencies else 0,
    }


def run(
    port: int,
    targets: list[tuple[str, bool]],
    cookies: list[str],
    seconds: float,
    warmup: float,
    rounds: int,
    concurrency: int,
    max_requests: int,
) -> dict:
    objs = [Target(path, with_cookie) for path, with_cookie in targets]
    schedule = [Slice(t, warmup, timed=False) for t in objs if warmup > 0]
    schedule += [Slice(t, seconds / rounds, timed=True) for _ in range(rounds) for t in objs]
    Run(port, cookies, schedule, concurrency, max(1, max_requests // concurrency)).go()
    return {"rounds": rounds, "targets": [summary(t, concurrency) for t in objs]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--target", dest="targets", action="append", type=lambda p: (p, True), help="path, sent with the cookies"
    )
    parser.add_argument(
        "--anonymous-target", dest="targets", action="append", type=lambda p: (p, False), help="path, sent without"
    )
    parser.add_argument("--cookie", action="append", default=[], help="Cookie header value; one per thread, cycled")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per target")
    parser.add_argument("--warmup", type=float, default=0.5, help="untimed seconds per target first")
    parser.add_argument("--rounds", type=int, default=3, help="timed slices per target, alternating")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap on requests in all")
    args = parser.parse_args(argv)
    if not args.targets:
        parser.error("give at least one --target or --anonymous-target")
    if any(not path.startswith("/") or "://" in path for path, _ in args.targets):
        parser.error("targets must be paths on 127.0.0.1, such as /healthz")
    if not 0 < args.seconds <= MAX_SECONDS or not 0 <= args.warmup <= MAX_SECONDS or not 1 <= args.rounds <= 20:
        parser.error(f"--seconds and --warmup must be within {MAX_SECONDS}, --rounds 1–20")
    if not 1 <= args.concurrency <= 64 or not 1 <= args.max_requests <= MAX_REQUESTS:
        parser.error(f"--concurrency must be 1–64 and --max-requests 1–{MAX_REQUESTS}")
    result = run(
        args.port,
        args.targets,
        args.cookie,
        args.seconds,
        args.warmup,
        args.rounds,
        args.concurrency,
        args.max_requests,
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
