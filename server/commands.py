"""The ``dskg`` commands the site starts: in the var and data folders it serves, in
processes of their own, so that a worker never loads the pipeline."""
from __future__ import annotations

import os
import subprocess
import sys

from server.site import site


def publish_later() -> None:
    """Take the approved submissions live: ``dskg submission publish`` in the background
    (one at a time; the server follows the build it makes)."""
    log = site().config.var.editorial / "publish.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as output:
        subprocess.Popen([sys.executable, "-m", "dskg.cli", "submission", "publish"],
                         env=dskg_env(), stdout=output, stderr=subprocess.STDOUT,
                         start_new_session=True)


def dskg_env() -> dict[str, str]:
    """The environment a ``dskg`` command needs to work on this site's folders."""
    config = site().config
    return {**os.environ, "DSKG_BASE": config.base, "DSKG_VOCAB_BASE": config.vocab_base,
            "DSKG_DATA_DIR": str(config.data_dir), "DSKG_VAR_DIR": str(config.var_dir),
            "DSKG_ONTOLOGY_DIR": str(config.ontology_dir),
            "DSKG_SHAPES_DIR": str(config.shapes_dir)}

