"""Visitors' SPARQL, evaluated in a bounded pool of killable processes.

Each web worker owns ``query_processes`` evaluator processes (:mod:`server.sparql.evaluator`).
A query waits at most ``queue_wait`` for a free one (503 after that), runs there, and
comes back as the serialised answer. Nothing a query does can stall the worker's
other threads, which go on serving pages, documents, browse and search from the
worker's own store handle. The one exception: a query whose syntax bounds it to a
short read of one index is answered by the worker itself, on that handle, without the
hand-over (:mod:`server.sparql.bounded`).

Limits, each enforced from outside the query:

- **time**: a query still running at the time limit is ended by killing its process;
- **memory**: each evaluator limits its own address space (``RLIMIT_AS``); a query
  past it ends its process, and the client gets a 503 that says so;
- **heavy queries**: a query still running after ``heavy_after`` needs a heavy slot
  (:mod:`server.sparql.admission`) or is stopped; a worker keeps at least one evaluator
  free of heavy queries, so a light query never waits behind a heavy one (only behind
  queries not yet known to be heavy, each for at most ``heavy_after``); heavy queries
  run at a lower CPU priority than everything else;
- **crashes**: a query that ends its evaluator some other way (a stack overflow in
  the engine) is answered 400 and the evaluator replaced.

An evaluator that ran a heavy query, or was killed, is replaced by a fresh process, so
memory a large query took is given back to the OS. A warm spare takes its place at
once (a start-up takes 0.15 s on an idle machine, seconds on a loaded one), and a new
spare starts in the background.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from dskg.config import Config
from dskg.store import Evaluating
from server import metrics
from server.sparql.admission import Admission, Rejected
from server.sparql.bounded import answer_here, is_bounded
from server.sparql.guard import QueryLimits, check_query
from server.sparql.runner import (
    QueryError,
    QueryLimitExceeded,
    QueryRequest,
    QueryResponse,
    QueryTimeout,
)
from server.sparql.wire import (
    Answer,
    Failure,
    FailureKind,
    Ready,
    decode_answer,
    encode_request,
    read_frame,
    write_frame,
)

log = logging.getLogger("dskg.querypool")
HEAVY_NICENESS = 10
EVALUATOR = Path(__file__).with_name("evaluator.py")
#: How long a new evaluator may take to open the store before it counts as failed.
STARTUP_SECONDS = 60


class EvaluatorGone(Exception):
    def __init__(self, returncode: int | None):
        super().__init__(returncode)
        self.returncode = returncode


class Evaluator:
    """One evaluator process and the two pipes to it."""

    def __init__(self, settings: dict):
        environment = {name: value for name, value in os.environ.items()
                       if name != metrics.MULTIPROCESS}
        # Run as a script, not ``-m server.sparql.evaluator``: importing the ``server`` package
        # would load the whole web app into every evaluator. ``-P`` keeps the script's
        # folder off ``sys.path``, so no module of ``server/`` shadows another.
        self.process = subprocess.Popen(
            [sys.executable, "-P", str(EVALUATOR), json.dumps(settings)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
            env=environment | {"MALLOC_ARENA_MAX": "2"})
        assert self.process.stdin is not None and self.process.stdout is not None
        self.to_child = self.process.stdin.fileno()
        self.from_child = self.process.stdout.fileno()
        self.poll = select.poll()
        self.poll.register(self.from_child, select.POLLIN)
        self.ready = False

    def ask(self, request: QueryRequest) -> None:
        write_frame(self.to_child, encode_request(request))

    def _message(self, timeout: float) -> Answer | Ready | None:
        """The evaluator's next message, or ``None`` if it has not come within ``timeout``."""
        if not self.poll.poll(max(0, timeout) * 1000):
            return None
        frame = read_frame(self.from_child)
        if frame is None:
            raise EvaluatorGone(self.process.wait())
        return decode_answer(frame)

    def answer(self, timeout: float) -> Answer | None:
        """The answer to the query asked, or ``None`` if it has not come within ``timeout``;
        any other message leaves the process in an unknown state (it is replaced)."""
        message = self._message(timeout)
        if isinstance(message, Ready):
            raise EvaluatorGone(self.process.poll())
        return message

    def wait_ready(self, timeout: float) -> None:
        if not self.ready:
            message = self._message(timeout)
            if not isinstance(message, Ready):
                raise EvaluatorGone(self.process.poll())
            self.ready = True

    def deprioritise(self) -> None:
        """Lower the CPU priority of every thread of the process (niceness is per thread)."""
        try:
            for tid in os.listdir(f"/proc/{self.process.pid}/task"):
                os.setpriority(os.PRIO_PROCESS, int(tid), HEAVY_NICENESS)
        except OSError:
            pass

    def kill(self) -> None:
        with suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        self.close()

    def close(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class QueryPool:
    """The evaluators of one web worker, with the admission rules in front of them."""

    def __init__(self, store_path: Path, config: Config, admission: Admission,
                 prefixes: dict[str, str], here: Evaluating | None = None):
        """``here``: the worker's own handle on the same store, for the queries whose
        cost their syntax bounds (:mod:`server.sparql.bounded`); without it, every query
        goes to an evaluator."""
        self.config, self.admission, self.here = config, admission, here
        self.limits = QueryLimits.from_config(config)
        self.settings = {"store": str(store_path), "base": config.base, "prefixes": prefixes,
                         "memory_mib": config.query_memory, "parent": os.getpid(),
                         "isolate_network": not self.limits.services}
        self.size = max(1, config.query_processes)
        self.heavy_here = 0
        self._heavy_lock = threading.Lock()
        self.idle: queue.LifoQueue[Evaluator] = queue.LifoQueue()
        #: One evaluator kept started and ready, to take a killed one's place at once.
        self.spare: queue.Queue[Evaluator] = queue.Queue(maxsize=1)
        for _ in range(self.size):
            self.idle.put(Evaluator(self.settings))
        self._start_in_background(self.spare)

    def admit(self, request: QueryRequest) -> None:
        """Refuse a query that must not reach an evaluator, or a client in its refusal
        period (before the answer cache is asked, so a refusal is one whatever the query)."""
        check_query(request.query, self.limits)
        self.admission.check(request.client)

    def run(self, request: QueryRequest) -> QueryResponse:
        """Evaluate one admitted request, under every limit of this server."""
        started = time.monotonic()  # includes waiting: the client's view of the query
        if self.here is not None and is_bounded(request):
            here = answer_here(self.here, request)
            if here is not None:
                outcome = here.kind.value if isinstance(here, Failure) else "ok"
                metrics.QUERY_SECONDS.labels(outcome).observe(time.monotonic() - started)
                metrics.IN_WORKER.inc()
                return self._response(here)
        with Slots() as slots:
            if self.admission.suspected(request.client):
                self._go_heavy(slots, request.client)
            evaluator = self._take()
            outcome, replace = "error", True
            try:
                answer, ran_long = self._evaluate(evaluator, request, slots)
                outcome = answer.kind.value if isinstance(answer, Failure) else "ok"
                replace = ran_long or (isinstance(answer, Failure)
                                       and not answer.evaluator_usable)
            finally:
                if replace:
                    self._replace(evaluator)
                else:
                    self.idle.put(evaluator)
                metrics.QUERY_SECONDS.labels(outcome).observe(time.monotonic() - started)
        return self._response(answer)

    def _take(self) -> Evaluator:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        metrics.QUEUE.inc()
        try:
            return self.idle.get(timeout=self.config.queue_wait)
        except queue.Empty:
            metrics.REJECTIONS.labels("queue").inc()
            raise Rejected(503, f"All {self.size} query evaluators of this worker stayed "
                           f"busy for {self.config.queue_wait:g} s; retry shortly.",
                           max(1, round(self.config.queue_wait))) from None
        finally:
            metrics.QUEUE.dec()

    def _evaluate(self, evaluator: Evaluator, request: QueryRequest,
                  slots: Slots) -> tuple[Answer, bool]:
        """The evaluator's answer, and whether the query ran past ``heavy_after`` (then
        it needs heavy ``slots``, and runs on at a lower priority). Both limits count
        from the moment the evaluator has the query.

        Any exception leaves the evaluator in an unknown state: the caller replaces it.
        """
        config = self.config
        try:
            evaluator.wait_ready(STARTUP_SECONDS)
        except EvaluatorGone as gone:
            log.error("an evaluator could not start (exit %s); see its message above",
                      gone.returncode)
            raise QueryLimitExceeded("No query evaluator could be started; the server's "
                                     "log says why.") from None
        try:
            started = time.monotonic()
            evaluator.ask(request)
            answer = evaluator.answer(config.heavy_after)
            if answer is not None:
                return answer, False
            if not slots.heavy:
                self._go_heavy(slots, request.client)
            evaluator.deprioritise()
            answer = evaluator.answer(config.query_timeout - (time.monotonic() - started))
        except EvaluatorGone as gone:
            error = self._death(gone.returncode)
            if isinstance(error, QueryLimitExceeded):
                self.admission.refuse(request.client)
            raise error from None
        if answer is None:
            metrics.TIMEOUTS.inc()
            self.admission.refuse(request.client)
            raise QueryTimeout()
        return answer, True

    def _go_heavy(self, slots: Slots, client: str) -> None:
        """Take this worker's and the server's heavy slots for ``client``'s query, or
        raise :class:`Rejected`; either way the client is suspected for a while."""
        self.admission.suspect(client)
        try:
            slots.enter_context(self.admission.client_slot(client))
            slots.enter_context(self._heavy_share())
            slots.enter_context(self.admission.server_slot())
        except Rejected as rejected:
            self.admission.refuse(client)
            metrics.REJECTIONS.labels("heavy-client" if rejected.status == 429
                                      else "heavy-server").inc()
            raise
        metrics.HEAVY.inc()
        slots.callback(metrics.HEAVY.dec)
        slots.heavy = True

    def _replace(self, evaluator: Evaluator) -> None:
        """Kill ``evaluator``; the warm spare takes its place at once, and another
        evaluator starts in the background (joining the pool only once it has opened
        the store), so a waiting query never waits for a process to start."""
        evaluator.kill()
        try:
            self.idle.put(self.spare.get_nowait())
            self._start_in_background(self.spare)
        except queue.Empty:
            self._start_in_background(self.idle)

    def _start_in_background(self, into: queue.Queue) -> None:
        threading.Thread(target=self._start_one, args=(into,), name="evaluator-start",
                         daemon=True).start()

    def _start_one(self, into: queue.Queue) -> None:
        for attempt in range(5):
            fresh = Evaluator(self.settings)
            try:
                fresh.wait_ready(STARTUP_SECONDS)
            except EvaluatorGone as gone:
                log.error("an evaluator could not start (exit %s); see its message above",
                          gone.returncode)
                fresh.close()
                time.sleep(2 ** attempt)
                continue
            into.put(fresh)
            return

    @contextmanager
    def _heavy_share(self) -> Iterator[None]:
        """Keep one evaluator of this worker for light queries (when it has two or more)."""
        with self._heavy_lock:
            if self.size > 1 and self.heavy_here >= self.size - 1:
                raise Rejected(503, "This worker's evaluators for long-running queries are "
                               "busy; retry later.", self.admission.retry_after)
            self.heavy_here += 1
        try:
            yield
        finally:
            with self._heavy_lock:
                self.heavy_here -= 1

    def _death(self, returncode: int | None) -> Exception:
        if returncode == -signal.SIGSEGV:
            metrics.REJECTIONS.labels("crash").inc()
            return QueryError("The engine could not evaluate this query (it ran out of "
                              "stack); make it less deeply nested.")
        metrics.REJECTIONS.labels("memory").inc()
        log.warning("evaluator ended with %s", returncode)
        return QueryLimitExceeded(f"The query needed more memory than this endpoint allows "
                                  f"({self.config.query_memory} MiB) and was stopped.")

    def _response(self, answer: Answer) -> QueryResponse:
        if isinstance(answer, QueryResponse):
            return answer
        if answer.kind is FailureKind.MEMORY:
            raise self._death(None)
        raise answer.error()

    def close(self) -> None:
        for evaluators in (self.idle, self.spare):
            while True:
                try:
                    evaluators.get_nowait().kill()
                except queue.Empty:
                    break


class Slots(ExitStack):
    """The heavy slots one query holds (none while it is light)."""

    heavy = False
