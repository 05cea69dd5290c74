"""Prometheus metrics of one server, summed over its gunicorn workers.

Under ``dskg serve`` every worker writes its figures into the server's run folder
(``PROMETHEUS_MULTIPROC_DIR``, set by the master before any worker starts) and
``/metrics`` adds them up; in a single process (tests, other WSGI servers) the
library's own registry is read.
"""
from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("dskg_http_requests", "HTTP requests answered, by route and status",
                   ["route", "status"])
QUERY_SECONDS = Histogram("dskg_query_seconds", "Time to evaluate a visitor's SPARQL "
                          "query, by outcome", ["outcome"],
                          buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5,
                                   5, 10, 30, 60))
IN_WORKER = Counter("dskg_query_in_worker", "SPARQL queries whose syntax bounds their cost, "
                    "answered by the web worker without an evaluator")
TIMEOUTS = Counter("dskg_query_timeouts", "SPARQL queries stopped at the time limit")
REJECTIONS = Counter("dskg_query_rejections", "SPARQL queries refused or stopped before "
                     "their end, by reason", ["reason"])
QUEUE = Gauge("dskg_query_queue_length", "SPARQL queries waiting for a free evaluator",
              multiprocess_mode="livesum")
HEAVY = Gauge("dskg_heavy_queries", "Long-running SPARQL queries being evaluated",
              multiprocess_mode="livesum")
ANSWER_CACHE = Counter("dskg_answer_cache", "Visitors' queries answered from the answer "
                       "cache (hit) or evaluated (miss)", ["outcome"])
BUILD = Gauge("dskg_build_info", "The build this server serves (value 1)", ["build"],
              multiprocess_mode="livemax")


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its media type."""
    if os.environ.get(MULTIPROCESS):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Forget a dead worker's live gauges (its counters stay in the sums)."""
    if os.environ.get(MULTIPROCESS):
        multiprocess.mark_process_dead(pid)
