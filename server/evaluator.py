"""One SPARQL evaluator process: ``python server/evaluator.py SETTINGS_JSON``.

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

Requests and answers are frames on stdin/stdout: a 4-byte length, then a ``marshal``
payload (both ends are ours). See :mod:`server.querypool` for the other end.
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import marshal
import os
import resource
import struct
import sys
import threading

from dskg.lifeline import exit_with_parent
from dskg.store import open_store
from server.query_runner import NotAcceptable, QueryError, QueryRequest, execute

HEADER = struct.Struct("!I")
STACK_SIZE = 256 * 1024 * 1024
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def read_frame(fd: int) -> bytes | None:
    """One frame from ``fd``, or ``None`` at end of input.

    Only one frame is ever in flight on a pipe (a request, then its answer), so a
    read may take the header and the whole payload at once."""
    data = os.read(fd, 1 << 16)
    while 0 < len(data) < HEADER.size:
        more = os.read(fd, HEADER.size)
        if not more:
            return None
        data += more
    if not data:
        return None
    (length,) = HEADER.unpack_from(data)
    chunks, remaining = [data[HEADER.size:]], length - (len(data) - HEADER.size)
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks) if len(chunks) > 1 else chunks[0]


def write_frame(fd: int, payload: bytes) -> None:
    data = memoryview(HEADER.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]


def leave_network() -> bool:
    """Move this (still single-threaded) process into an empty network namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    return libc.unshare(flags) == 0


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def answer(store, request: tuple, base: str, prefixes: dict) -> tuple:
    """Evaluate one request; the outcome as a marshal-able tuple."""
    query, result_format, graph_format, default_graphs, named_graphs, limit = request
    try:
        response = execute(store, QueryRequest(
            query=query, result_format=result_format, graph_format=graph_format,
            default_graphs=list(default_graphs), named_graphs=list(named_graphs),
            limit=limit, base=base, prefixes=prefixes))
    except QueryError as error:
        return ("syntax", str(error))
    except NotAcceptable as error:
        return ("not-acceptable", error.kind, error.reason)
    except MemoryError:
        return ("memory", "")
    except OSError as error:
        return ("store", str(error))
    except BaseException as error:  # a panic inside the engine, raised for this query
        return ("engine", f"{type(error).__name__}: {error}")
    return ("ok", response.kind, response.format, response.body, response.truncated,
            response.rows)


def serve(settings: dict) -> None:
    """Answer requests until the web worker closes the pipes (or is gone)."""
    with contextlib.suppress(BrokenPipeError):
        _serve(settings)


def _serve(settings: dict) -> None:
    store = open_store(settings["store"])
    prefixes, base = settings["prefixes"], settings["base"]
    answer(store, ("ASK { ?s ?p ?o }", "json", None, (), (), 1), base, prefixes)
    ceiling = _address_space() + settings["memory_mib"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    write_frame(1, marshal.dumps(("ready", os.getpid())))
    while True:
        frame = read_frame(0)
        if frame is None:
            return
        write_frame(1, marshal.dumps(answer(store, marshal.loads(frame), base, prefixes)))


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
