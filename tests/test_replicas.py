"""Stateless replicas behind a real nginx, all serving the build published to one real
Virtuoso: a publish under traffic switches them together, and a replica that dies or
restarts costs no request beyond those it was answering."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import requests

from dskg.build import build
from dskg.publish import publish

from .conftest import make_project
from .nginx_fixture import require_nginx, start_nginx, stop_nginx
from .server_fixture import start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.gunicorn, pytest.mark.virtuoso, pytest.mark.nginx]

PRACTICE = "/id/practice/digital-skills-partnership"
QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


class Traffic:
    """Clients looping over pages, documents, browse and queries (GET and POST)."""

    def __init__(self, url: str, clients: int = 4):
        self.url, self.stop = url, threading.Event()
        self.seen: list[tuple[float, str, int, str]] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client) for _ in range(clients)]

    def _client(self) -> None:
        session = requests.Session()
        requests_ = [("GET", PRACTICE, None), ("GET", "/doc/country/BGR.ttl", None),
                     ("GET", "/browse/practice?country=BGR", None),
                     ("POST", "/sparql", {"query": QUERY}), ("GET", "/health", None)]
        while not self.stop.is_set():
            for method, path, form in requests_:
                try:
                    answer = session.request(method, self.url + path, data=form, timeout=30,
                                             allow_redirects=False,
                                             headers={"Accept": "text/html"})
                    outcome = (answer.status_code, answer.headers.get("DSKG-Build", ""))
                except requests.RequestException as error:
                    outcome = (0, type(error).__name__)
                with self.lock:
                    self.seen.append((time.monotonic(), path, *outcome))

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def failed(self, since: float = 0.0) -> list:
        return [s for s in self.seen if s[0] >= since and s[2] not in (200, 303)]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, virtuoso):
    """Two replicas behind nginx, for the module: the first test publishes a new build,
    the second kills and restarts a replica, each on whatever build is live."""
    require_nginx()
    tmp_path = tmp_path_factory.mktemp("replicas")
    config = virtuoso.configure(make_project(tmp_path / "p"), store_name="replicas",
                                publish_grace=3.0, follow_builds=0.5)
    build(config)
    publish(config)
    env = virtuoso.environment() | {"DSKG_STORE_NAME": "replicas", "DSKG_PROXIES": "1",
                                    "DSKG_FOLLOW_BUILDS": "0.5"}
    servers = [start_server(config, env=env) for _ in range(2)]
    balancer = start_nginx(tmp_path / "nginx", [int(s.url.rsplit(":", 1)[1]) for s in servers])
    yield config, servers, balancer, env
    stop_nginx(balancer)
    for server in servers:
        stop_server(server)


def test_a_publish_under_traffic_switches_every_replica(replicas):
    config, servers, balancer, _ = replicas
    old = requests.get(balancer.url + "/health").json()["build"]
    etag = requests.get(balancer.url + PRACTICE, headers={"Accept": "text/html"},
                        allow_redirects=True).headers["ETag"]
    page = config.data_dir / "sources" / "good-practices-listing.txt"
    page.write_text(page.read_text().replace("Digital Skills Partnership\n",
                                             "Digital Skills Partnership (DSP)\n", 1))
    _, build_dir = build(config)
    new = build_dir.name
    with Traffic(balancer.url) as traffic:
        time.sleep(1)
        done = publish(config)  # switch, then 3 s of grace, then the old graphs dropped
        assert done.previous == old and done.build == new
        switched = time.monotonic()
        time.sleep(2)
    assert len(traffic.seen) > 100
    assert traffic.failed() == [], traffic.failed()[:5]
    assert {build_id for *_, build_id in traffic.seen} == {old, new}
    assert {build_id for at, *_, build_id in traffic.seen if at > switched} == {new}
    for server in servers:
        assert server.health()["build"] == new
    again = requests.get(balancer.url + PRACTICE, headers={"Accept": "text/html",
                                                             "If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert "Digital Skills Partnership (DSP)" in again.text


def test_a_replica_that_dies_or_restarts_costs_no_request(replicas):
    config, servers, balancer, env = replicas
    with Traffic(balancer.url) as traffic:
        time.sleep(1)
        killed = time.monotonic()
        os.killpg(servers[0].process.pid, signal.SIGKILL)
        servers[0].process.wait()
        time.sleep(2)
        restarted = time.monotonic()
        port = int(servers[0].url.rsplit(":", 1)[1])
        servers[0] = start_server(config, env=env, port=port)
        time.sleep(2)
    # At most the requests the killed replica was answering (one per client) failed.
    assert len(traffic.failed(killed)) <= len(traffic.threads), traffic.failed(killed)[:5]
    assert traffic.failed(restarted) == []
    assert len([s for s in traffic.seen if s[0] > restarted]) > 20
    assert "GET /health" in servers[0].log.read_text()  # the restarted replica answers again
