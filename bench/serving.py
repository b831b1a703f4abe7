"""The serving floor: the Procfile's `web` command next to the reference server, in one run.

The reference is the same app under granian's WSGI interface (`granian --interface wsgi
serene.wsgi:application`): the least a request can cost in this app's Python, whatever serves it.
The aim (issue 25) is that the Procfile's web process costs at most 1.2x the reference's p50 and
1.5x its p99, on /healthz and on a day of slots, at 1 and at 8 connections, and serves at least
1.8x the requests per second that the former web command (uvicorn on serene.asgi, kept here as
"before") served at 8 connections.

Every server runs at the same time on one scratch database (demo data from `manage.py seed_demo`),
each with BENCH_WEB_CONCURRENCY worker processes. After a warm-up, each of BENCH_ROUNDS rounds
measures every endpoint on every server one after another, in an order that alternates from round
to round: at 1 connection with a keep-alive client of this script (BENCH_REQUESTS requests, one at
a time), and at 8 with wrk (Debian's `wrk`, BENCH_WRK_SECONDS seconds). It prints each round's
figures and whether each aim is met in that round, then the medians over the rounds and the verdict
on them. Each figure comes with the server's CPU time per request (its process group's user and
system time over the suite), which a busy machine moves far less than it moves latency. Before the
rounds it counts the collector's full passes during requests in process, with serene.wsgi's freeze
and without (BENCH_UNFROZEN=true also serves the unfrozen app beside the others).

    .venv/bin/python bench/serving.py
    BENCH_ROUNDS=3 BENCH_REQUESTS=300 BENCH_WRK_SECONDS=8 .venv/bin/python bench/serving.py
    BENCH_WEB_CONCURRENCY=2 BENCH_CONNECTIONS=8,16 .venv/bin/python bench/serving.py   # two workers
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/serene_bench_serving .venv/bin/python bench/serving.py
    BENCH_CANDIDATES='gunicorn=.venv/bin/gunicorn -k gthread --threads 4 -w {workers} -b 127.0.0.1:{port} serene.wsgi' \\
        .venv/bin/python bench/serving.py   # more servers side by side ({port}, {workers} filled in)

The database named in DATABASE_URL is dropped and created again: never point it at one you keep.
The servers get REDIS_URL (BENCH_REDIS_URL, default Redis db 6 on 127.0.0.1): the Procfile's web
process refuses to start without it, since its websockets are served by another process.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
VENV_BIN = ROOT / ".venv" / "bin"

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "8"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "300"))
WORKERS = int(os.environ.get("BENCH_WEB_CONCURRENCY", "1"))
CONNECTIONS = [int(n) for n in os.environ.get("BENCH_CONNECTIONS", "1,8").split(",")]
WITH_BEFORE = os.environ.get("BENCH_BEFORE", "true").lower() not in {"0", "false", "no", "off"}
EXPERT = "sarah-khan"  # the demo's expert

PRODUCTION, REFERENCE, BEFORE = "production", "reference", "before"
REFERENCE_COMMAND = ".venv/bin/granian --interface wsgi --workers {workers} --host 127.0.0.1 --port {port} serene.wsgi:application"
# The Procfile's web line before issue 25, as it was (uvicorn's access log included).
BEFORE_COMMAND = ".venv/bin/uvicorn serene.asgi:application --no-server-header --host 127.0.0.1 --port {port} --workers {workers}"
# BENCH_UNFROZEN=true adds the production app with the collector's freeze undone (gc.unfreeze() after
# serene.wsgi has loaded), to see what the freeze buys.
WITH_UNFROZEN = os.environ.get("BENCH_UNFROZEN", "false").lower() in {"1", "true", "yes", "on"}
UNFROZEN = "unfrozen"
UNFROZEN_MODULE = """import gc\nfrom serene.wsgi import application  # noqa: F401\ngc.unfreeze()\n"""
UNFROZEN_COMMAND = (f"env PYTHONPATH={BENCH_DIR} .venv/bin/granian --interface wsgi --workers {{workers}} --host 127.0.0.1 "
                    "--port {port} serving_unfrozen:application")
HEALTHZ, DAY = "/healthz", "a day of slots"

# The aims: the production server against the reference, per endpoint and connection count.
P50_AT_MOST, P99_AT_MOST, RPS_AT_LEAST_BEFORE = 1.2, 1.5, 1.8


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BENCH_")}
    env.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'serving.sqlite3'}")
    env.update(DJANGO_SETTINGS_MODULE="serene.settings", DEBUG="false", SECRET_KEY="bench-only-secret-key-" + "x" * 30,
               ALLOWED_HOSTS="127.0.0.1", SERENE_VAR_DIR=str(BENCH_DIR), LOG_LEVEL="WARNING", HOST="127.0.0.1",
               WEB_CONCURRENCY=str(WORKERS), PAYMENTS_SANDBOX="false",
               REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
               CHANNEL_LAYER_PREFIX="serene-bench-serving")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def _database_reset(env: dict[str, str]) -> None:
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
        return
    sys.path.insert(0, str(ROOT))
    import dj_database_url
    import psycopg
    config = dj_database_url.parse(url)
    with psycopg.connect(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"],
                         password=config["PASSWORD"] or None, dbname="postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("The Procfile has no web process")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One server process (its own process group, so its workers stop with it)."""

    def __init__(self, name: str, command: str, env: dict[str, str], *, procfile: bool = False):
        self.name = name
        self.port = _free_port()
        self.log = BENCH_DIR / f"serving-{name}.log"
        if procfile:  # the Procfile's own line, expanded by the shell as honcho does
            env = {**env, "PORT": str(self.port)}
            argv = ["sh", "-c", f"exec {command}"]
        else:
            argv = shlex.split(command.format(port=self.port, workers=WORKERS))
        self.command = command
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + 180  # a shared machine can be slow to start one
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} stopped at start:\n{self.log.read_text()[-3000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not serve in 180 s:\n{self.log.read_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by every process of the server's group: unlike
        latency, a busy machine hardly moves it, so it shows each server's own cost per request."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # the process group (each server leads its own)
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def one_connection(port: int, paths: list[str]) -> dict:
    """The paths one after another over one keep-alive connection: p50, p99, requests per second."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    errors = 0
    began = time.perf_counter()
    for path in paths:
        start = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - start)
        errors += response.status != 200
    seconds = time.perf_counter() - began
    connection.close()
    latencies.sort()
    return {"p50": statistics.median(latencies) * 1000, "p99": latencies[min(len(latencies) - 1, int(.99 * len(latencies)))] * 1000,
            "rps": len(latencies) / seconds, "errors": errors}


# wrk's Lua hook: each request takes the next path of the suite's file, round and round.
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_WRK_PATHS")) do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n - 1) % #paths + 1])
end
"""
WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def many_connections(port: int, paths: list[str], connections: int) -> dict:
    """wrk (one thread, `connections` keep-alive connections) for WRK_SECONDS over the paths."""
    with tempfile.TemporaryDirectory() as folder:
        script, listing = Path(folder, "paths.lua"), Path(folder, "paths.txt")
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        output = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{WRK_SECONDS}s", "--latency", "-s", str(script),
                                 f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True,
                                env={**os.environ, "BENCH_WRK_PATHS": str(listing)}).stdout

    def milliseconds(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
        return float(value) * WRK_UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {"p50": milliseconds("50%"), "p99": milliseconds("99%"),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "requests": int(re.search(r"(\d+) requests in", output).group(1)),
            "errors": (int(errors.group(1)) if errors else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)}


def days_with_slots(port: int) -> list[str]:
    """Up to seven dates ahead on which the demo expert has a free 60-minute slot."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    found: list[str] = []
    month = date.today().replace(day=1)
    for _ in range(3):
        connection.request("GET", f"/api/v1/experts/{EXPERT}/available-dates?month={month.month}&year={month.year}")
        response = connection.getresponse()
        body = json.loads(response.read())
        found += [day for day in body.get("availableDates", []) if day > date.today().isoformat()]
        month = (month + timedelta(days=32)).replace(day=1)
    connection.close()
    if not found:
        raise SystemExit(f"The demo expert {EXPERT} has no free date: did seed_demo run?")
    return found[:7]


# The collector in the web process, measured in process (no server, no client: the busy machine
# stretches each pause, but not how many there are): requests through serene.wsgi's application, with
# the freeze it does after loading, and with the freeze undone. Prints one JSON line.
COLLECTOR_PROBE = """
import gc, io, json, sys, time
import serene.wsgi as entry
if sys.argv[1] == "unfrozen":
    gc.unfreeze()
paths = sys.argv[3].split(",")
pauses, started = [], []
def watch(phase, info):
    if info["generation"] == 2:
        if phase == "start":
            started[:] = [time.perf_counter()]
        else:
            pauses.append((time.perf_counter() - started[0]) * 1000)
gc.callbacks.append(watch)
def start_response(status, headers, exc_info=None):
    assert status.startswith("200"), status
began = time.perf_counter()
for n in range(int(sys.argv[2])):
    path, _, query = paths[n % len(paths)].partition("?")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1"}
    body = entry.application(environ, start_response)
    b"".join(body)
    body.close()
print(json.dumps({"seconds": time.perf_counter() - began, "frozen": gc.get_freeze_count(), "pauses": pauses}))
"""
COLLECTOR_REQUESTS = int(os.environ.get("BENCH_COLLECTOR_REQUESTS", "6000"))


def collector_pauses(env: dict[str, str], paths: list[str]) -> None:
    """Full collections (generation 2) during COLLECTOR_REQUESTS requests, frozen and not."""
    print(f"The collector in the web process: {COLLECTOR_REQUESTS} requests in process through serene.wsgi "
          f"(/healthz and {DAY}, alternately), full collections and their pauses:")
    for variant in ("frozen", "unfrozen", "unfrozen", "frozen"):  # each first once: the first run of a machine pays more
        done = subprocess.run([str(VENV_BIN / "python"), "-c", COLLECTOR_PROBE, variant, str(COLLECTOR_REQUESTS),
                               ",".join(paths)], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        pauses = sorted(figures["pauses"])
        spread = (f"median {statistics.median(pauses):.1f} ms, longest {pauses[-1]:.1f} ms, {sum(pauses):.0f} ms in all"
                  if pauses else "none")
        print(f"  {variant:<9} ({figures['frozen']:>6} objects frozen): {len(pauses)} full collections; {spread}; "
              f"{figures['seconds'] * 1000 / COLLECTOR_REQUESTS:.2f} ms a request in process")
    print()


def _measure(server: Server, paths: list[str], connections: int) -> dict:
    cpu_before = server.cpu_seconds()
    if connections == 1:
        row = one_connection(server.port, paths)
        requests = len(paths)
    else:
        row = many_connections(server.port, paths, connections)
        requests = row.pop("requests")
    row["cpu"] = (server.cpu_seconds() - cpu_before) * 1000 / max(1, requests)
    return row


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def aims_for(figures: dict[str, dict], endpoint: str, connections: int) -> list[tuple[str, bool]]:
    """[(what was compared, met?)] for one endpoint at one connection count."""
    production, reference = figures[PRODUCTION], figures[REFERENCE]
    p50 = production["p50"] / reference["p50"]
    p99 = production["p99"] / reference["p99"]
    aims = [(f"p50 {p50:.2f}x the reference (at most {P50_AT_MOST}x)", p50 <= P50_AT_MOST),
            (f"p99 {p99:.2f}x the reference (at most {P99_AT_MOST}x)", p99 <= P99_AT_MOST)]
    if BEFORE in figures and connections > 1:
        rps = production["rps"] / figures[BEFORE]["rps"]
        aims.append((f"req/s {rps:.2f}x before (at least {RPS_AT_LEAST_BEFORE}x)", rps >= RPS_AT_LEAST_BEFORE))
    return aims


def _row(name: str, row: dict) -> str:
    return (f"    {name:<12} p50 {row['p50']:7.2f} ms   p99 {row['p99']:7.2f} ms   {row['rps']:8.1f} req/s   "
            f"server CPU {row['cpu']:5.2f} ms/request"
            + (f"   ERRORS {row['errors']}" if row["errors"] else ""))


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each line as it is printed, also into a file
    import shutil
    if any(n > 1 for n in CONNECTIONS) and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk): it makes the load at more than 1 connection.")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    env = _environment()
    production_command = _procfile_web()
    commands = {PRODUCTION: production_command, REFERENCE: REFERENCE_COMMAND}
    if WITH_BEFORE:
        commands[BEFORE] = BEFORE_COMMAND
    if WITH_UNFROZEN:
        (BENCH_DIR / "serving_unfrozen.py").write_text(UNFROZEN_MODULE)
        commands[UNFROZEN] = UNFROZEN_COMMAND
    for entry in filter(None, (part.strip() for part in os.environ.get("BENCH_CANDIDATES", "").split(";"))):
        name, _, command = entry.partition("=")
        commands[name.strip()] = command.strip()

    print("The serving floor (bench/serving.py): the Procfile's web command against the same app under granian's "
          "WSGI interface, side by side.")
    print(f"  database {env['DATABASE_URL'].split('@')[-1]} (demo data); {WORKERS} worker process(es) per server; "
          f"{ROUNDS} rounds; 1 connection = {REQUESTS} requests one at a time over one keep-alive connection; "
          f"more = wrk -t1 for {WRK_SECONDS} s")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start "
          "(the client shares the machine's cores with the servers)")
    for name, command in commands.items():
        print(f"  {name:<12} {command}")
    print(f"  aims for production: p50 <= {P50_AT_MOST}x and p99 <= {P99_AT_MOST}x the reference's, on each endpoint "
          f"at each connection count (judged on the median of the rounds); at more than 1 connection, "
          f"requests per second >= {RPS_AT_LEAST_BEFORE}x before's" + ("" if WITH_BEFORE else " (before not run)"))

    _database_reset(env)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    servers = {name: Server(name, command, env, procfile=name == PRODUCTION) for name, command in commands.items()}
    try:
        for server in servers.values():
            server.wait_until_serving()
        dates = days_with_slots(servers[REFERENCE].port)
        paths = {HEALTHZ: ["/healthz"],
                 DAY: [f"/api/v1/experts/{EXPERT}/availability?date={day}&duration=60" for day in dates]}
        print(f"  {DAY}: /api/v1/experts/{EXPERT}/availability?date=...&duration=60 over {len(dates)} dates "
              f"({dates[0]} ... {dates[-1]})\n")

        def suite(endpoint: str, count: int) -> list[str]:
            return [paths[endpoint][n % len(paths[endpoint])] for n in range(count)]

        collector_pauses(env, [path for pair in zip(paths[HEALTHZ] * len(paths[DAY]), paths[DAY]) for path in pair])
        for server in servers.values():  # warm every worker, every cache entry
            for endpoint in paths:
                one_connection(server.port, suite(endpoint, WARMUP))
                if WORKERS > 1:
                    many_connections(server.port, suite(endpoint, 100), 4 * WORKERS)

        results: dict[tuple[str, int, str], list[dict]] = {}
        names = list(servers)
        for round_number in range(1, ROUNDS + 1):
            print(f"round {round_number} (load average {os.getloadavg()[0]:.1f})")
            for connections in CONNECTIONS:
                for endpoint in paths:
                    order = names if round_number % 2 else list(reversed(names))  # who goes first alternates
                    figures = {name: _measure(servers[name], suite(endpoint, REQUESTS), connections) for name in order}
                    print(f"  {endpoint} at {connections} connection(s):")
                    for name in names:
                        results.setdefault((endpoint, connections, name), []).append(figures[name])
                        print(_row(name, figures[name]))
                    for text, ok in aims_for(figures, endpoint, connections):
                        print(f"    production {text}: {_verdict(ok)}")
            print()

        print(f"Medians over {ROUNDS} rounds (each figure the median of the rounds' figures):")
        print("| endpoint | connections | server | p50 ms | p99 ms | req/s | server CPU ms/request | p50 vs reference | "
              "p99 vs reference | CPU vs reference |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        medians: dict[tuple[str, int], dict[str, dict]] = {}
        for endpoint in paths:
            for connections in CONNECTIONS:
                figures = {name: {key: statistics.median(row[key] for row in results[(endpoint, connections, name)])
                                  for key in ("p50", "p99", "rps", "errors", "cpu")} for name in names}
                medians[(endpoint, connections)] = figures
                for name in names:
                    row, reference = figures[name], figures[REFERENCE]
                    print(f"| {endpoint} | {connections} | {name} | {row['p50']:.2f} | {row['p99']:.2f} | {row['rps']:.0f} | "
                          f"{row['cpu']:.2f} | {row['p50'] / reference['p50']:.2f}x | {row['p99'] / reference['p99']:.2f}x | "
                          f"{row['cpu'] / reference['cpu']:.2f}x |")
        print("\nAims, on the medians:")
        all_met = True
        for (endpoint, connections), figures in medians.items():
            per_round = [aims_for({name: results[(endpoint, connections, name)][index] for name in names}, endpoint,
                                  connections) for index in range(ROUNDS)]
            for position, (text, ok) in enumerate(aims_for(figures, endpoint, connections)):
                all_met &= ok
                rounds_met = sum(aims[position][1] for aims in per_round)
                print(f"  {endpoint}, {connections} connection(s): production {text}: {_verdict(ok)} "
                      f"(met in {rounds_met} of {ROUNDS} rounds)")
        errors = sum(row["errors"] for rows in results.values() for row in rows)
        print(f"\n{'Every aim is met' if all_met else 'NOT every aim is met'}; {errors} error answers in all. "
              f"Load average {os.getloadavg()[0]:.1f} at the end: on a busy machine, treat these figures as provisional.")
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
