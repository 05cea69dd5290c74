"""Milliseconds per exploring page, in-process: where a page's own work shows, without
HTTP, gunicorn or wrk in the way (server_bench.py measures those).

On the build of N synthetic practices that server_bench.py keeps under bench/out/, each
page is asked through Flask's test client (visitors' queries in the calling thread), and
beside it the hello route of bench/hello_app.py through its own test client: the floor
of a Flask request. Every page must answer 200 with a body before it is timed; each
figure is the best of five runs of 300 requests (this machine's speed varies).

    .venv/bin/python bench/page_bench.py 10000
    BENCH_PROFILE=1 .venv/bin/python bench/page_bench.py 10000   # where the time goes

With ``BENCH_PROFILE=1`` each page is also profiled (cProfile, 300 requests) and its
time split by what it is spent in: templates (all of rendering, labels and translations
included), labels and links, translations, the store's queries, SQLite reads (the browse
and entity indexes), the request-context lookups Flask's proxies make, and the search
page's snippets and scoring. The parts
overlap (labels are rendered inside templates); each is the share of the page's time
spent inside it, profiler overhead included.
"""
from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

from flask.testing import FlaskClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hello_app import app as hello  # noqa: E402
from server_bench import built, env_for  # noqa: E402

REQUESTS, RUNS = 300, 5
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
#: What a page's time is split into: name → (file the functions are in, their names).
PARTS = {"templates": ("flask/templating.py", ("_render",)),
         "labels and links": ("server/rendering.py", ("link", "render_term", "named",
                                                      "label_of")),
         "translations": ("server/i18n.py", ("language", "gettext", "ngettext", "number")),
         "store queries": ("dskg/store/oxigraph.py", ("select", "ask", "construct")),
         "SQLite reads": ("~", ("<method 'execute' of 'sqlite3.Connection' objects>",
                                "<method 'fetchall' of 'sqlite3.Cursor' objects>",
                                "<method 'fetchone' of 'sqlite3.Cursor' objects>")),
         "request-context lookups": ("werkzeug/local.py", ("__get__", "_get_current_object")),
         "search snippets": ("server/views/search.py", ("snippet",)),
         "search scoring": ("dskg/artefact/search.py", ("score",))}


def best_ms(client: FlaskClient, path: str, accept: str = "text/html") -> float:
    response = client.get(path, headers={"Accept": accept})
    if response.status_code != 200 or not response.data:
        raise SystemExit(f"{path} answered {response.status_code} with "
                         f"{len(response.data)} bytes: nothing to time")
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(path, headers={"Accept": accept})
        times.append((time.perf_counter() - started) / REQUESTS * 1000)
    return min(times)


def profile(client: FlaskClient, path: str) -> str:
    """Where one page's time goes: each part of :data:`PARTS` as ms per request and
    share of the page's time under the profiler."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(REQUESTS):
        client.get(path)
    profiler.disable()
    total = (time.perf_counter() - started) / REQUESTS * 1000
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    shares = []
    for part, (where, names) in PARTS.items():
        seconds = 0.0
        for (file, _line, function), (_cc, _nc, inner, cumulative, _callers) in stats.items():
            if where in file and function in names:
                # Cumulative time for the outermost functions; nested ones (a label
                # rendered inside a link) would count twice, so they add their own time.
                seconds += cumulative if function == names[0] else inner
        shares.append(f"{part} {seconds / REQUESTS * 1000:.2f} ms "
                      f"({seconds / REQUESTS * 1000 / total:.0%})")
    return f"{total:.2f} ms under the profiler: " + ", ".join(shares)


def main(size: int) -> None:
    os.environ.update(env_for(built(size)))
    from dskg.config import Config
    from server.app import create_app, in_process

    config = Config.from_env()
    client = create_app(config, runner=in_process(config)).test_client()
    practice = client.get("/browse/practice.json").get_json()["rows"][0]["iri"]
    pages = {"practice page": practice.replace(config.base, "/").replace("/id/", "/doc/"),
             "browse, all practices": "/browse/practice",
             "browse, 2 facets": "/browse/practice?country=BGR&audience=children",
             "search, 2 words": "/search?q=robotics+academy", "map": "/map"}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {size:,} practices, best of {RUNS} × {REQUESTS}")
    print("| page | ms per request |\n|---|---:|")
    print(f"| hello route (peer: the floor of a Flask request) | "
          f"{best_ms(hello.test_client(), '/hello', 'text/plain'):.2f} |")
    for name, path in pages.items():
        print(f"| {name} (`{path}`) | {best_ms(client, path):.2f} |", flush=True)
    if PROFILE:
        for name, path in pages.items():
            print(f"- {name}: {profile(client, path)}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
