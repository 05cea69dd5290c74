"""Helper processes end with the process that started them.

A build's validation workers and a server's SPARQL evaluators are children that must
not outlive their parent, however it ends (``kill -9`` included, which no cleanup
code sees). Each child watches its parent from a thread and exits when it is gone.
Linux's ``PR_SET_PDEATHSIG`` is not used: it fires when the *thread* that started
the child ends, and servers start evaluators from short-lived request threads.
"""
from __future__ import annotations

import os
import threading
import time

POLL_SECONDS = 0.5


def exit_with_parent(parent: int) -> None:
    """End this process (at once, without cleanup) when ``parent`` is no longer its parent."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL_SECONDS)
        os._exit(0)
    threading.Thread(target=watch, name="lifeline", daemon=True).start()
