"""Pages at scale (issue 18): does a page cost the same at 100,000 bookings as at 1,000, with 10,000
experts as with 100, for a customer with 500 sessions as with 50?

It builds its data itself (bench/scale_data.py: bulk_create of rows shaped as the services leave
them, every booking state, payments and refunds, realistic dates), one database per size of each
series, and asks for every page and API list of the series in process with django.test.Client,
signed in with force_login where the page needs it:

- bookings (one expert with 0, 1,000, 10,000, 100,000 bookings; reference 1,000): the expert's
  dashboard, GET /api/v1/experts/availability, /expert/sessions/?when=later and ?when=past, the
  expert's profile and reviews page, and staff's /staff/operations/.
- experts (10, 100, 1,000, 10,000 experts with weekly hours, days off, languages and bookings;
  reference 100): the marketplace (12 a page, and page_size=50) and an expert's profile and reviews.
- customer (a customer with 0, 50, 500 sessions; reference 50): /dashboard/, the "see all" pages
  /dashboard/sessions/?when=upcoming and ?when=past, /dashboard/payments/, GET /api/v1/sessions
  (upcoming, and when=past).

A page whose address does not resolve yet (the sessions and reviews pages) is left out with a note.

For each page and size it prints the SQL queries of a request, the p50 and p99 of BENCH_REQUESTS
timed requests (after a warm-up; sizes alternate within a round: each size is asked in turn, a few
requests at a time, BENCH_CHUNKS times), and the body size; then the ratios of the largest size to
the reference size and whether each aim is met in that round:

- queries constant: at every size from the reference up, the same as at the reference (a smaller
  size, an empty list say, may run fewer);
- p50 at the largest size at most 1.5x the reference's;
- body at the largest size at most 1.2x the reference's.

After BENCH_ROUNDS rounds (default 3) it prints each page's spread (min / median / max over the
rounds) and in how many rounds each aim was met, and a verdict. Each database is built once a run
and reused by every round. A page that takes seconds gets fewer requests (at least BENCH_MIN_REQUESTS)
so a round stays within about BENCH_BUDGET_SECONDS a page and size; the count shows as n.

    .venv/bin/python bench/scale.py                          # SQLite files under var/bench/scale/
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/serene_bench_scale .venv/bin/python bench/scale.py
    BENCH_SERIES=experts BENCH_EXPERTS=10,100 BENCH_ROUNDS=1 .venv/bin/python bench/scale.py   # while developing
    BENCH_BOOKINGS=0,1000,10000 BENCH_SESSIONS=0,50 BENCH_REQUESTS=10 ...

Sizes: BENCH_BOOKINGS (0,1000,10000,100000), BENCH_EXPERTS (10,100,1000,10000), BENCH_SESSIONS
(0,50,500); the reference is 1000 / 100 / 50 when listed, else the smallest size above zero.

On PostgreSQL every world is a schema of the one database named in DATABASE_URL, which is dropped
and created again: never point it at one you keep. On both databases the connection is kept from
request to request (PostgreSQL's pool is off; it would keep them too), so no request pays a connect. Figures from a busy machine are provisional: the load average
is printed at the start of every round.
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DIR = ROOT / "var" / "bench" / "scale"

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
CHUNKS = int(os.environ.get("BENCH_CHUNKS", "4"))
MIN_REQUESTS = int(os.environ.get("BENCH_MIN_REQUESTS", "3"))
BUDGET_SECONDS = float(os.environ.get("BENCH_BUDGET_SECONDS", "6"))
SERIES = [name.strip() for name in os.environ.get("BENCH_SERIES", "bookings,experts,customer").split(",") if name.strip()]


def _sizes(name: str, default: str) -> list[int]:
    return sorted({int(value) for value in os.environ.get(name, default).split(",") if value.strip()})


SIZES = {"bookings": _sizes("BENCH_BOOKINGS", "0,1000,10000,100000"),
         "experts": _sizes("BENCH_EXPERTS", "10,100,1000,10000"),
         "customer": _sizes("BENCH_SESSIONS", "0,50,500")}
REFERENCE = {"bookings": 1000, "experts": 100, "customer": 50}
UNITS = {"bookings": "bookings", "experts": "experts", "customer": "sessions"}
QUERIES_AIM, P50_AIM, BODY_AIM = "constant", 1.5, 1.2


@dataclass(frozen=True)
class Page:
    name: str
    series: str
    who: str  # "expert", "customer", "staff" or "anonymous"
    path: str  # {slug} is the world's measured expert


PAGES = [
    Page("expert dashboard", "bookings", "expert", "/expert/dashboard/"),
    Page("GET /api/v1/experts/availability", "bookings", "expert", "/api/v1/experts/availability"),
    Page("expert sessions, later", "bookings", "expert", "/expert/sessions/?when=later"),
    Page("expert sessions, past", "bookings", "expert", "/expert/sessions/?when=past"),
    Page("profile of the busy expert", "bookings", "anonymous", "/experts/{slug}/"),
    Page("reviews of the busy expert", "bookings", "anonymous", "/experts/{slug}/reviews/"),
    Page("staff operations", "bookings", "staff", "/staff/operations/"),
    Page("marketplace, 12 a page", "experts", "anonymous", "/"),
    Page("marketplace, 50 a page", "experts", "anonymous", "/?page_size=50"),
    Page("expert profile", "experts", "anonymous", "/experts/{slug}/"),
    Page("expert reviews", "experts", "anonymous", "/experts/{slug}/reviews/"),
    Page("customer dashboard", "customer", "customer", "/dashboard/"),
    Page("customer sessions, upcoming", "customer", "customer", "/dashboard/sessions/?when=upcoming"),
    Page("customer sessions, past", "customer", "customer", "/dashboard/sessions/?when=past"),
    Page("payments history", "customer", "customer", "/dashboard/payments/"),
    Page("GET /api/v1/sessions", "customer", "customer", "/api/v1/sessions"),
    Page("GET /api/v1/sessions?when=past", "customer", "customer", "/api/v1/sessions?when=past"),
]


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BENCH_")}
    env.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'template.sqlite3'}")
    env.update(DJANGO_SETTINGS_MODULE="serene.settings", DEBUG="false", SECRET_KEY="bench-only-secret-key-" + "x" * 30,
               ALLOWED_HOSTS="testserver", SERENE_VAR_DIR=str(ROOT / "var" / "bench"), LOG_LEVEL="WARNING",
               PAYMENTS_SANDBOX="false", DATABASE_POOL_MAX="0", DATABASE_CONN_MAX_AGE="3600",
               SECURE_SSL_REDIRECT="false")
    return env


class Worlds:
    """One database per (series, size): an SQLite file copied from a migrated template, or a
    PostgreSQL schema migrated in place. `use` points Django's connection at one."""

    def __init__(self, url: str) -> None:
        from django.db import connection
        self.postgres = connection.vendor == "postgresql"
        self.url = url
        self.built: dict[tuple[str, int], object] = {}

    def reset(self) -> None:
        if self.postgres:
            import dj_database_url
            import psycopg
            config = dj_database_url.parse(self.url)
            with psycopg.connect(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"],
                                 password=config["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
            from django.db import connection
            connection.close()
            with connection.cursor() as cursor:  # where every schema's constraints find it
                cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
        else:
            shutil.rmtree(BENCH_DIR, ignore_errors=True)
            BENCH_DIR.mkdir(parents=True)
            self._migrate()  # the template every world's file is copied from

    def _migrate(self) -> None:
        from django.core.management import call_command
        call_command("migrate", verbosity=0, interactive=False)

    def path(self, kind: str, size: int) -> Path:
        return BENCH_DIR / f"{kind}-{size}.sqlite3"

    def use(self, kind: str | None, size: int = 0) -> None:
        from django.db import connection
        connection.close()
        if self.postgres:
            schema = f"{kind}_{size}" if kind else "public"
            connection.settings_dict.setdefault("OPTIONS", {})["options"] = f"-c search_path={schema},public"
        else:
            connection.settings_dict["NAME"] = str(self.path(kind, size) if kind else BENCH_DIR / "template.sqlite3")

    def build(self, kind: str, size: int, now) -> object:
        from django.db import connection
        from scale_data import build_world
        began = time.perf_counter()
        if self.postgres:
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{kind}_{size}"')
            self.use(kind, size)
            self._migrate()
        else:
            connection.close()
            shutil.copyfile(BENCH_DIR / "template.sqlite3", self.path(kind, size))
            self.use(kind, size)
        built = build_world(kind=kind, size=size, now=now)
        with connection.cursor() as cursor:  # as autovacuum leaves a settled database: statistics, visibility map
            cursor.execute("VACUUM ANALYZE" if self.postgres else "ANALYZE")
        self.built[(kind, size)] = built
        counts = ", ".join(f"{status} {count:,}" for status, count in sorted(built.counts.items()))
        print(f"  built {kind} {size:,} in {time.perf_counter() - began:.0f} s: {counts}", flush=True)
        return built


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve
    try:
        resolve(path.split("?")[0])
        return True
    except Resolver404:
        return False


def _client(built, who: str):
    from django.test import Client
    from serene.accounts.models import User
    client = Client()
    user_id = {"expert": built.expert_user_id, "customer": built.customer_user_id, "staff": built.staff_user_id,
               "anonymous": None}[who]
    if user_id is not None:
        client.force_login(User.objects.get(pk=user_id))
    return client


def _ask(client, path: str):
    response = client.get(path, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
    return response


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def measure_page(worlds: Worlds, page: Page, sizes: list[int], clients: dict, order: list[int]) -> dict[int, dict]:
    """One round of one page: queries, timings and body at each size, sizes taken in turn."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    figures: dict[int, dict] = {}
    for size in order:  # warm-up, queries and body; how many requests the budget allows
        worlds.use(page.series, size)
        client = clients[(page.series, size, page.who)]
        path = page.path.format(slug=worlds.built[(page.series, size)].expert_slug)
        _ask(client, path)
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = _ask(client, path)
        once = time.perf_counter() - began
        requests = max(MIN_REQUESTS, min(REQUESTS, int(BUDGET_SECONDS / max(once, 1e-6))))
        figures[size] = {"queries": len(queries), "body": len(response.content), "times": [], "n": requests,
                         "path": path}
    for chunk in range(CHUNKS):
        for size in order:
            worlds.use(page.series, size)
            client = clients[(page.series, size, page.who)]
            figure = figures[size]
            if figure["n"] > MIN_REQUESTS:  # (a page of seconds is not asked twice a turn)
                _ask(client, figure["path"])  # a fresh connection's first query is not the page's cost
            share = figure["n"] // CHUNKS + (1 if chunk < figure["n"] % CHUNKS else 0)
            for _ in range(share):
                began = time.perf_counter()
                _ask(client, figure["path"])
                figure["times"].append((time.perf_counter() - began) * 1000)
    for figure in figures.values():
        figure["p50"] = statistics.median(figure["times"])
        figure["p99"] = _percentile(figure["times"], 0.99)
    return figures


def reference_of(series: str, sizes: list[int]) -> int:
    if REFERENCE[series] in sizes:
        return REFERENCE[series]
    return next((size for size in sizes if size > 0), sizes[0])


def verdict(series: str, sizes: list[int], figures: dict[int, dict]) -> dict:
    reference, largest = reference_of(series, sizes), sizes[-1]
    base, top = figures[reference], figures[largest]
    queries_met = all(figures[size]["queries"] == base["queries"] for size in sizes if size >= reference)
    p50_ratio, body_ratio = top["p50"] / base["p50"], top["body"] / base["body"]
    return {"queries": queries_met, "p50": p50_ratio <= P50_AIM, "body": body_ratio <= BODY_AIM,
            "p50_ratio": p50_ratio, "body_ratio": body_ratio, "reference": reference, "largest": largest}


def _mark(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    env = _environment()
    os.environ.update(env)
    import django
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name hashed files, as in production

    worlds = Worlds(env["DATABASE_URL"])
    database = "PostgreSQL" if worlds.postgres else "SQLite"
    pages = [page for page in PAGES if page.series in SERIES]
    live = [page for page in pages if _resolves(page.path.format(slug="someone"))]
    print(f"database: {database} ({env['DATABASE_URL'].split('@')[-1]}); {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f} at the start; {ROUNDS} rounds of up to {REQUESTS} requests per page and size "
          f"in {CHUNKS} turns (at least {MIN_REQUESTS}, about {BUDGET_SECONDS:g} s a page and size)")
    for page in pages:
        if page not in live:
            print(f"  not measured: {page.name} ({page.path.split('?')[0]} does not resolve yet)")
    print(f"aims: queries {QUERIES_AIM} from the reference size up; p50 at the largest size <= {P50_AIM:g}x the "
          f"reference's; body <= {BODY_AIM:g}x")
    print("building the data (once for every round):", flush=True)
    worlds.reset()
    now = timezone.now()
    clients = {}
    for series in SERIES:
        for size in SIZES[series]:
            built = worlds.build(series, size, now)
            for who in {page.who for page in live if page.series == series}:
                clients[(series, size, who)] = _client(built, who)
    results: dict[str, list[dict]] = {page.name: [] for page in live}
    for number in range(ROUNDS):
        print(f"round {number + 1} (load {os.getloadavg()[0]:.1f})", flush=True)
        for page in live:
            sizes = SIZES[page.series]
            order = sizes if number % 2 == 0 else sizes[::-1]
            figures = measure_page(worlds, page, sizes, clients, order)
            judged = verdict(page.series, sizes, figures)
            results[page.name].append({**judged, "figures": figures})
            print(f"  {page.name} ({figures[sizes[0]]['path']}):")
            for size in sizes:
                figure = figures[size]
                mark = " (reference)" if size == judged["reference"] else ""
                print(f"      {size:>7,} {UNITS[page.series]:9s} queries {figure['queries']:3d}  p50 {figure['p50']:8.1f} ms"
                      f"  p99 {figure['p99']:8.1f} ms  body {figure['body'] / 1024:8.1f} KiB  n={figure['n']}{mark}")
            print(f"      largest / reference: p50 {judged['p50_ratio']:.2f}x, body {judged['body_ratio']:.2f}x; queries "
                  f"{_mark(judged['queries'])}, p50 {_mark(judged['p50'])}, body {_mark(judged['body'])}", flush=True)
    print(f"summary on {database} over {ROUNDS} rounds (min / median / max; aims met in how many rounds):")
    all_met = True
    for page in live:
        runs = results[page.name]
        if not runs:
            continue
        first = runs[0]
        top, base = first["largest"], first["reference"]

        def spread(values, unit=""):
            ordered = sorted(values)
            return f"{ordered[0]:.1f} / {statistics.median(ordered):.1f} / {ordered[-1]:.1f}{unit}"

        queries = sorted({run["figures"][size]["queries"] for run in runs for size in SIZES[page.series]})
        met = {aim: sum(run[aim] for run in runs) for aim in ("queries", "p50", "body")}
        all_met &= all(count == len(runs) for count in met.values())
        print(f"  {page.name}: p50 at {base:,} {spread([run['figures'][base]['p50'] for run in runs], ' ms')}, "
              f"at {top:,} {spread([run['figures'][top]['p50'] for run in runs], ' ms')} "
              f"(ratio {spread([run['p50_ratio'] for run in runs], 'x')}); body {first['figures'][base]['body'] / 1024:.1f}"
              f" -> {first['figures'][top]['body'] / 1024:.1f} KiB ({first['body_ratio']:.2f}x); queries "
              f"{', '.join(map(str, queries))}; aims met: queries {met['queries']}/{len(runs)}, p50 "
              f"{met['p50']}/{len(runs)}, body {met['body']}/{len(runs)}")
    print(f"verdict on {database}: " + ("every aim met in every round" if all_met else "some aims NOT met (above)"))


if __name__ == "__main__":
    main()
