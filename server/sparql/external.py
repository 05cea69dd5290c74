"""Visitors' SPARQL evaluated by the store itself, in the calling thread: an external
store (``DSKG_STORE_ENDPOINT``), or, for tests that do not test isolation, the build's
embedded store (``create_app(runner=...)``; no time limit can stop it there).

An external store evaluates under its own time and result limits
(:mod:`dskg.store.remote`); here the query gets the same checks as on the embedded store
(:mod:`server.sparql.guard`),
each worker sends at most ``query_processes`` queries at once (a query waits
``queue_wait`` for its turn, 503 after that), and the answer is serialised by our
own writers, so formats, errors and the row cap are those of the embedded endpoint.
"""
from __future__ import annotations

import logging
import threading
import time

from dskg.config import Config
from dskg.store import Evaluating, EvaluationStopped, StoreError
from server import metrics
from server.sparql.admission import Rejected
from server.sparql.guard import QueryLimits, check_query
from server.sparql.runner import (
    QueryRequest,
    QueryResponse,
    QueryTimeout,
    StoreUnreadable,
    execute,
)

log = logging.getLogger("dskg.external")


class StoreQueries:
    """Evaluates visitors' queries in ``store``, a bounded number at once."""

    def __init__(self, store: Evaluating, config: Config):
        self.store, self.config = store, config
        self.limits = QueryLimits.from_config(config)
        self.slots = threading.BoundedSemaphore(max(1, config.query_processes))

    def admit(self, request: QueryRequest) -> None:
        check_query(request.query, self.limits)

    def run(self, request: QueryRequest) -> QueryResponse:
        started = time.monotonic()
        if not self.slots.acquire(timeout=self.config.queue_wait):
            metrics.REJECTIONS.labels("queue").inc()
            raise Rejected(503, f"All {self.config.query_processes} query slots of this "
                           f"worker stayed busy for {self.config.queue_wait:g} s; retry "
                           "shortly.", max(1, round(self.config.queue_wait)))
        outcome = "error"
        try:
            response = execute(self.store, request)
            outcome = "ok"
            return response
        except EvaluationStopped:
            outcome = "timeout"
            metrics.TIMEOUTS.inc()
            raise QueryTimeout() from None
        except StoreError as error:
            log.warning("the store failed a query: %s", error)
            raise StoreUnreadable(f"The store could not answer: {error}") from None
        finally:
            self.slots.release()
            metrics.QUERY_SECONDS.labels(outcome).observe(time.monotonic() - started)

    def close(self) -> None:
        pass
