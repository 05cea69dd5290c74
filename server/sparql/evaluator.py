"""One SPARQL evaluator process: ``python server/sparql/evaluator.py SETTINGS_JSON``.

The embedded store cannot cancel a query or bound its memory, so visitors' queries are
evaluated here, in a process of their own that its web worker can kill (time limit)
and that the OS bounds (memory limit): once the store is open and warm, the process
limits its own address space (``RLIMIT_AS``) to what it uses then plus the configured
query memory, so a query that needs more fails an allocation and ends this process,
never the web worker or the machine. Queries run on a thread with a large stack,
so deep but accepted queries do not overflow it.

Without an allowed SERVICE endpoint, the process also drops its network access when
the OS lets it (a network namespace of its own): a second wall behind the query check
that refuses SERVICE.

Requests and answers are typed messages on stdin/stdout (:mod:`server.sparql.wire`).
See :mod:`server.sparql.pool` for the other end.
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import sys
import threading

from dskg.lifeline import exit_with_parent
from dskg.store import Evaluating, open_store
from server.sparql.runner import NotAcceptable, QueryError, QueryRequest, execute
from server.sparql.wire import (
    Answer,
    Failure,
    FailureKind,
    Ready,
    decode_request,
    encode_answer,
    read_frame,
    write_frame,
)

STACK_SIZE = 256 * 1024 * 1024
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def leave_network() -> bool:
    """Move this (still single-threaded) process into an empty network namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    return libc.unshare(flags) == 0


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def answer(store: Evaluating, request: QueryRequest) -> Answer:
    """Evaluate one request; its answer, or why there is none."""
    try:
        return execute(store, request)
    except QueryError as error:
        return Failure(FailureKind.SYNTAX, str(error))
    except NotAcceptable as error:
        return Failure(FailureKind.NOT_ACCEPTABLE, error.kind, error.reason)
    except MemoryError:
        return Failure(FailureKind.MEMORY)
    except OSError as error:
        return Failure(FailureKind.STORE, str(error))
    except BaseException as error:  # a panic inside the engine, raised for this query
        return Failure(FailureKind.ENGINE, f"{type(error).__name__}: {error}")


def serve(settings: dict) -> None:
    """Answer requests until the web worker closes the pipes (or is gone)."""
    with contextlib.suppress(BrokenPipeError):
        _serve(settings)


def _serve(settings: dict) -> None:
    store = open_store(settings["store"])
    prefixes, base = settings["prefixes"], settings["base"]
    answer(store, QueryRequest("ASK { ?s ?p ?o }", "json", None, limit=1))
    ceiling = _address_space() + settings["memory_mib"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    write_frame(1, encode_answer(Ready(os.getpid())))
    while True:
        frame = read_frame(0)
        if frame is None:
            return
        write_frame(1, encode_answer(answer(store, decode_request(frame, base, prefixes))))


def main() -> None:
    settings = json.loads(sys.argv[1])
    if settings.get("isolate_network"):
        leave_network()
    exit_with_parent(settings["parent"])
    threading.stack_size(STACK_SIZE)
    worker = threading.Thread(target=serve, args=(settings,), name="evaluator")
    worker.start()
    worker.join()
    os._exit(0)


if __name__ == "__main__":
    main()
