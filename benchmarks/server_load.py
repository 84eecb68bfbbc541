"""The team server under load on loopback: 50 concurrent clients mixing reads and analysts' writes.

    python benchmarks/server_load.py [--reports 1000000] [--keep DIR] [--seconds 60] [--clients 50]

1. Builds the store as `benchmarks/assess_incidents.py` does: N generated UCDP GED rows
   (`benchmarks/ingest.py`'s `generate`), imported, clustered in pairs (reports 2k and 2k+1 form one
   incident, N/2 incidents) and assessed; with --keep DIR a store built there before is reused.
   Analyst accounts and their tokens are made before the server starts (the server holds the store).
2. Starts `harmtrace serve` on it as a subprocess on a free loopback port and waits until it answers.
3. Baseline, one client after the other: `GET /api/v1/me`, then the read mix below, sequentially.
4. Load: `--clients` threads (httpx.Client each) for `--seconds`, then they stop by themselves. Each loops
   over the incident list (random filters, 1-3 pages by cursor), one incident, and the casualty figures
   (a few option sets). Half the clients are analysts: about 10% of all requests are their writes, a
   grade decision (POST /incidents/{id}/grade) and a linkage decision (POST /decisions/incidents), each
   with a unique reason. Routes the server does not have (yet) are left out, and the table says so.
5. Prints one table: endpoint, requests, errors, p50/p95/max ms and throughput, the server's peak
   RSS (VmHWM) and the CPU the server and the clients used under load. Then checks the writes: every
   write answered 2xx is in the store exactly once (found by its reason), and no write answered with an
   error is there.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import generate, release2

API = "/api/v1"
GRADE_PATH = f"{API}/incidents/{{incident_id}}/grade"
DECISION_PATH = f"{API}/decisions/incidents"
FIGURES_PATH = f"{API}/figures/casualties"
FIGURE_OPTIONS: tuple[dict[str, str], ...] = (
    {},
    {"from": "2016-01-01", "days": "305", "by": "perpetrator"},
    {"by": "month"},
    {"from": "2016-01-01", "days": "305", "perpetrator": "Government of Syria", "category": "civilians"},
)
GRADES = ("confirmed", "fair", "weak", "contested")
PERPETRATORS = ("Government of Syria", "IS", "Government of Turkey", "SNA")
STORE_NAME = "server_load.duckdb"
RUN_TAG = f"{os.getpid()}-{int(time.time())}"  # makes every write's reason unique across runs


# ---- the store ---------------------------------------------------------------------------------


def build_store(reports: int, work: Path) -> Path:
    """The store of `reports` paired reports, assessed; reused when `work` holds one of that size."""
    from harmtrace.assess.run import assess_incidents
    from harmtrace.ingest import get_format, import_file
    from harmtrace.store import open_store

    db = work / STORE_NAME
    if db.exists():
        with open_store(db) as store:
            if store.scalar("SELECT count(*) FROM report") == reports and store.scalar(
                "SELECT count(*) FROM incident_assessment"
            ):
                print(f"reusing {db} ({reports:,} reports)", flush=True)
                return db
        db.unlink()
    started = time.perf_counter()
    csv_path = work / f"ged_{reports}.csv"
    generate(reports, csv_path)
    with open_store(db, create=True) as store:
        import_file(store, get_format("ucdp-ged"), csv_path)
        store.con.execute(
            "INSERT INTO incident SELECT DISTINCT 'inc-' || (report_id // 2), 1, NULL, NULL FROM report"
        )
        store.con.execute(
            "INSERT INTO incident_member SELECT 'inc-' || (report_id // 2), report_id, 1, 0.99 FROM report"
        )
        assess_incidents(store)
    csv_path.unlink()
    release2(csv_path).unlink(missing_ok=True)  # `generate` writes a second release: not used here
    print(f"built {db}: {reports:,} reports in {time.perf_counter() - started:.0f} s", flush=True)
    return db


def make_analysts(db: Path, count: int) -> list[str]:
    """`count` new analyst accounts with a token each (names unique to this run); their tokens."""
    from harmtrace.server.accounts import add_account, create_token
    from harmtrace.store import open_store

    tokens = []
    with open_store(db) as store:
        for i in range(count):
            name = f"load-{RUN_TAG}-{i}"
            add_account(store, name, "analyst", None)
            tokens.append(create_token(store, name, "load test"))
    return tokens


def samples(db: Path) -> tuple[list[str], list[int]]:
    """Incident ids and report ids to ask for and to decide on."""
    from harmtrace.store import open_store

    with open_store(db) as store:
        incidents = [r["incident_id"] for r in store.rows(
            "SELECT incident_id FROM incident_item USING SAMPLE 2000 ROWS (reservoir, 7)")]  # fmt: skip
        reports = [r["report_id"] for r in store.rows(
            "SELECT report_id FROM report USING SAMPLE 4000 ROWS (reservoir, 7)")]  # fmt: skip
    return incidents, reports


# ---- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """`harmtrace serve` in a subprocess."""

    db: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    extra: tuple[str, ...] = ()  # more options of `harmtrace serve` (--threads N)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Path, timeout_s: float = 900.0) -> None:
        command = Path(sys.executable).parent / "harmtrace"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(command), "serve", "--db", str(self.db), "--port", str(self.port), *self.extra],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped (exit {self.process.returncode}); its log: {log}")
            try:
                if httpx.get(f"{self.url}{API}/me", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"the server did not answer within {timeout_s:.0f} s; its log: {log}")

    def peak_rss_mb(self) -> float | None:
        if self.process is None:
            return None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server process has used so far."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---- the clients -------------------------------------------------------------------------------


@dataclass
class Results:
    """Latencies and errors per endpoint, and the writes' reasons by outcome."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # 2xx
    refused: list[str] = field(default_factory=list)  # an error status: must not be in the store
    unsure: list[str] = field(default_factory=list)  # no answer (transport error): may be either
    seconds: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, label: str, ms: float, ok: bool, sample: str = "") -> None:
        with self.lock:
            self.latencies[label].append(ms)
            if not ok:
                self.errors[label] += 1
                self.error_samples.setdefault(label, sample[:200])


@dataclass
class Mix:
    """What the clients ask for: the routes the server has, and ids to ask about."""

    incidents: list[str]
    reports: list[int]
    paths: set[str]
    write_share: float = 0.5  # of an analyst client's rounds (a read round is ~3-4 requests): ~10% of all

    @property
    def figures(self) -> bool:
        return FIGURES_PATH in self.paths

    @property
    def writes(self) -> list[str]:
        return [p for p in (GRADE_PATH, DECISION_PATH) if p in self.paths]


def timed(client: httpx.Client, results: Results, label: str, method: str, url: str,
          **kwargs: Any) -> httpx.Response | None:  # fmt: skip
    started = time.perf_counter()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        results.record(label, (time.perf_counter() - started) * 1000, False, repr(exc))
        return None
    ok = response.status_code < 400
    results.record(
        label, (time.perf_counter() - started) * 1000, ok, f"{response.status_code} {response.text}"
    )
    return response


def list_params(rng: random.Random) -> dict[str, str]:
    params: dict[str, str] = {"limit": str(rng.choice((20, 50, 100)))}
    if rng.random() < 0.5:
        year = rng.choice((2016, 2017, 2018, 2019))
        params["from"], params["to"] = (
            f"{year}-{rng.randint(1, 6):02d}-01",
            f"{year}-{rng.randint(7, 12):02d}-28",
        )
    if rng.random() < 0.4:
        params["grade"] = ",".join(rng.sample(GRADES, rng.randint(1, 2)))
    if rng.random() < 0.3:
        params["perpetrator"] = rng.choice(PERPETRATORS)
    if rng.random() < 0.2:
        params["bbox"] = "36.0,35.0,38.0,37.0"
    return params


def read_once(client: httpx.Client, results: Results, mix: Mix, rng: random.Random, tag: str = "") -> None:
    """One round of the read mix: a list (1-3 pages), one incident, one figure."""
    params = list_params(rng)
    for _ in range(rng.randint(1, 3)):
        response = timed(client, results, f"GET /incidents{tag}", "GET", f"{API}/incidents", params=params)
        cursor = response.json().get("next_cursor") if response is not None and response.is_success else None
        if not cursor:
            break
        params = {**params, "cursor": cursor}
    incident = rng.choice(mix.incidents)
    timed(client, results, f"GET /incidents/{{id}}{tag}", "GET", f"{API}/incidents/{incident}")
    if mix.figures:
        options = rng.choice(FIGURE_OPTIONS)
        timed(client, results, f"GET /figures/casualties{tag}", "GET", FIGURES_PATH, params=options)


def write_once(client: httpx.Client, results: Results, mix: Mix, rng: random.Random, client_no: int,
               serial: int) -> None:  # fmt: skip
    path = rng.choice(mix.writes)
    reason = f"load test {RUN_TAG} client {client_no} write {serial}"
    if path == GRADE_PATH:
        url, body = (GRADE_PATH.format(incident_id=rng.choice(mix.incidents)),
                     {"grade": rng.choice(GRADES), "reason": reason})  # fmt: skip
    else:
        a, b = rng.sample(mix.reports, 2)
        url, body = DECISION_PATH, {"verdict": "different", "a": a, "b": b, "reason": reason}
    label = f"POST {path.removeprefix(API).replace('{incident_id}', '{id}')}"
    response = timed(client, results, label, "POST", url, json=body)
    with results.lock:
        if response is None:
            results.unsure.append(reason)
        elif response.is_success:
            results.written.append(reason)
        else:
            results.refused.append(reason)


def client_loop(
    url: str,
    token: str | None,
    mix: Mix,
    results: Results,
    stop_at: float,
    client_no: int,
    think_s: float = 0.0,
) -> None:
    """One client until `stop_at`: a write or the read mix, then a pause of `think_s` on average
    (exponential; 0: none, the next request at once, as a program mirroring the data would). With
    pauses, the client also pauses before its first round, as if it had been running already: 50 people
    do not all press a key in the same millisecond when the run starts."""
    rng = random.Random(client_no)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    serial = 0
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        if think_s > 0:
            time.sleep(min(rng.expovariate(1 / think_s), max(0.0, stop_at - time.monotonic())))
        while time.monotonic() < stop_at:
            if token and mix.writes and rng.random() < mix.write_share:
                serial += 1
                write_once(client, results, mix, rng, client_no, serial)
            else:
                read_once(client, results, mix, rng)
            if think_s > 0:
                time.sleep(min(rng.expovariate(1 / think_s), max(0.0, stop_at - time.monotonic())))


def baseline(url: str, mix: Mix, results: Results, seconds: float) -> None:
    """One client alone: /me, then the read mix, one request after the other."""
    rng = random.Random(-1)
    with httpx.Client(base_url=url, timeout=60) as client:
        stop_at = time.monotonic() + seconds / 3
        started = time.monotonic()
        while time.monotonic() < stop_at:
            timed(client, results, "GET /me (1 client)", "GET", f"{API}/me")
        results.seconds["GET /me (1 client)"] = time.monotonic() - started
        stop_at = time.monotonic() + seconds
        started = time.monotonic()
        while time.monotonic() < stop_at:
            read_once(client, results, mix, rng, " (1 client)")
        elapsed = time.monotonic() - started
        for label in results.latencies:
            if label.endswith("(1 client)") and "/me" not in label:
                results.seconds[label] = elapsed


def load(url: str, tokens: list[str], clients: int, mix: Mix, results: Results, seconds: float,
         think_s: float = 0.0) -> None:  # fmt: skip
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=client_loop,
            args=(url, tokens[i // 2] if i % 2 == 0 else None, mix, results, stop_at, i, think_s),
            daemon=True,
        )
        for i in range(clients)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    for label in results.latencies:
        results.seconds.setdefault(label, elapsed)


# ---- the answer --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def print_table(results: Results, clients: int, peak_mb: float | None) -> None:
    print(
        f"\n{'endpoint':38} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'req/s':>8}"
    )
    print("-" * 92)
    for label in sorted(results.latencies, key=lambda k: ("(1 client)" not in k, k)):
        values = results.latencies[label]
        rate = len(values) / results.seconds[label] if results.seconds.get(label) else 0.0
        name = label if "(1 client)" in label else f"{label} ({clients} clients)"
        print(f"{name:38} {len(values):>9,} {results.errors[label]:>7,} {statistics.median(values):>8.1f} "
              f"{percentile(values, 95):>8.1f} {max(values):>8.1f} {rate:>8.1f}")  # fmt: skip
    print(f"server peak RSS (VmHWM): {peak_mb:,.0f} MB" if peak_mb else "server peak RSS: unknown")
    for label, sample in results.error_samples.items():
        print(f"  first error of {label}: {sample}")


def check_writes(db: Path, results: Results) -> list[str]:
    """Problems with the writes (empty: none lost, none duplicated, none refused yet stored)."""
    from harmtrace.store import open_store

    with open_store(db) as store:
        found: dict[str, int] = defaultdict(int)
        for table in ("grade_decision", "decision"):
            for row in store.rows(f"SELECT reason, count(*) AS n FROM {table} "
                                  "WHERE reason LIKE 'load test ' || ? || ' %' GROUP BY reason",
                                  [RUN_TAG]):  # fmt: skip
                found[row["reason"]] += int(row["n"])
    problems = [f"written (2xx) but stored {found.get(r, 0)} times: {r}" for r in results.written
                if found.get(r, 0) != 1]  # fmt: skip
    problems += [f"refused but stored: {r}" for r in results.refused if found.get(r, 0)]
    return problems


def _cpu_line(server_after: float | None, server_before: float | None, clients: float, seconds: float) -> str:
    """The CPU the server and the clients used under load, in cores (the machine's are shared by both)."""
    used = server_after - server_before if server_after is not None and server_before is not None else None
    server = f"{used:.0f} s ({used / seconds:.2f} cores)" if used is not None else "unknown"
    return (f"CPU under load: server {server}, clients {clients:.0f} s ({clients / seconds:.2f} cores) "
            f"of {os.cpu_count()} cores for {seconds:g} s")  # fmt: skip


def run(args: argparse.Namespace, work: Path) -> int:
    db = build_store(args.reports, work)
    analysts = max(1, (args.clients + 1) // 2)
    tokens = make_analysts(db, analysts)
    incidents, reports = samples(db)
    server = Server(db, extra=("--threads", str(args.threads)) if args.threads else ())
    log = work / "server_load.log"
    started = time.perf_counter()
    server.start(log)
    print(f"server up on {server.url} in {time.perf_counter() - started:.1f} s (log: {log})", flush=True)
    try:
        spec = httpx.get(f"{server.url}{API}/openapi.json", timeout=30).json()
        paths = {p for p, ops in spec["paths"].items() for m in ops if m in ("get", "post")}
        mix = Mix(incidents, reports, paths)
        missing = [p for p in (FIGURES_PATH, GRADE_PATH, DECISION_PATH) if p not in paths]
        for path in missing:
            print(f"the server has no {path} yet: left out of the mix", flush=True)
        results = Results()
        baseline(server.url, mix, results, max(2.0, args.seconds / 6))
        server_cpu, own_cpu = server.cpu_seconds(), time.process_time()
        load(server.url, tokens, args.clients, mix, results, args.seconds, args.think_ms / 1000)
        cpu = _cpu_line(server.cpu_seconds(), server_cpu, time.process_time() - own_cpu, args.seconds)
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    think = f"{args.think_ms:g} ms on average between rounds" if args.think_ms else "none (closed loop)"
    threads = f"; serve --threads {args.threads}" if args.threads else ""
    scope = f"{args.reports:,} reports, {args.clients} clients for {args.seconds:g} s"
    print(f"\n{scope}; think time: {think}{threads}")
    print_table(results, args.clients, peak)
    print(cpu)
    problems = check_writes(db, results)
    writes = len(results.written) + len(results.refused) + len(results.unsure)
    under_load = sum(len(v) for k, v in results.latencies.items() if "(1 client)" not in k)
    print(f"writes: {writes:,} of {under_load:,} requests under load ({writes / max(under_load, 1):.0%}): "
          f"{len(results.written):,} answered 2xx, {len(results.refused):,} refused, "
          f"{len(results.unsure):,} without an answer")  # fmt: skip
    if problems:
        print(f"WRITE CHECK FAILED: {len(problems)} problems")
        for problem in problems[:20]:
            print(f"  {problem}")
        return 1
    print("write check: every write answered 2xx is stored exactly once; no refused write is stored")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reports", type=int, default=1_000_000, help="reports in the store (default 1,000,000)"
    )
    parser.add_argument("--keep", type=Path, help="build the store in this folder, or reuse the one there")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients run (default 60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--threads", type=int, help="`harmtrace serve --threads N` (default: DuckDB's)")
    parser.add_argument(
        "--think-ms", type=float, default=0.0,
        help="mean pause of each client between its rounds (exponential; default 0: none, a closed loop)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        raise SystemExit(run(args, args.keep))
    with tempfile.TemporaryDirectory() as tmp:
        raise SystemExit(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
