"""``dskg serve``: the Flask app under gunicorn, one read-only store per worker."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

from dskg.config import Config


class DskgServer(BaseApplication):
    """gunicorn configured from our Config; each worker builds its own app."""

    def __init__(self, config: Config):
        self.dskg_config = config
        super().__init__()

    def load_config(self) -> None:
        config = self.dskg_config
        self.cfg.set("bind", f"{config.host}:{config.port}")
        self.cfg.set("workers", config.workers)
        # A worker busy past this is killed by gunicorn; queries stop well before.
        self.cfg.set("timeout", int(config.query_timeout) + 30)
        self.cfg.set("accesslog", "-")
        self.cfg.set("proc_name", "dskg")

    def load(self):
        from server import create_app

        app = create_app(self.dskg_config)
        # Under gunicorn a worker may end itself to stop a runaway query; the master
        # starts another. (Under other servers the query is only abandoned.)
        app.config["DSKG_EXIT_ON_TIMEOUT"] = True
        return app


def serve(config: Config) -> int:
    if not (config.current_build / "store").exists():
        print(f"dskg serve: no build at {config.current_build}; run `dskg build` first")
        return 1
    print(f"dskg: serving {config.current_build.resolve().name} on "
          f"http://{config.host}:{config.port}/ (base IRI {config.base}, "
          f"{config.workers} workers)", flush=True)
    DskgServer(config).run()
    return 0
