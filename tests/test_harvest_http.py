"""What a harvest does over HTTP: with sites that misbehave, how politely it asks,
how it saves work (304s), and how it reads a site's pages in several languages.

A real HTTP server on loopback (the standard library's, in a thread) plays a site of
rendered pages: a listing that links to practice pages, each of which the test makes
answer as it needs — not found, a server error, too slow, a redirect loop, too
large, not UTF-8, without the expected parts. Each failure is one clear line naming
the source and the page; every other page, and every other source, is harvested as
usual. The same server records what it was asked (paths, times, headers), so the
tests can check robots.txt, the rate limit, the concurrency, the User-Agent and the
conditional requests. (Malformed JSON from WordPress is tested against the real
WordPress in test_wordpress.py.)
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from dskg.harvest import harvest_source
from dskg.harvest.cache import load_cache
from dskg.ingest.sources import cached_records
from dskg.sources import parse_source

from .conftest import make_project, run_dskg
from .wordpress_content import render, sample_posts

PRACTICE = sample_posts()[3]
#: A practice whose every character Latin-1 can encode.
LATIN = render(["Un atelier numérique pour tous les âges."],
               [("Target audience", ["Digital skills for all"]),
                ("Country providing the good practice", ["France"])])


def practice_page(title: str, body: str | None = None) -> str:
    """A practice's page as WordPress's default theme renders it."""
    return f"""<!DOCTYPE html><html><head><title>{title}</title></head><body>
<main><h1 class="wp-block-post-title">{title}</h1>
<div class="wp-block-post-date"><time datetime="2023-03-27T09:00:00+00:00">March 27, 2023</time></div>
<div class="taxonomy-category wp-block-post-terms"><a href="/c/bg" rel="tag">Bulgaria</a></div>
<div class="entry-content wp-block-post-content">{body or PRACTICE.html}</div></main></body></html>"""


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: Send Content-Length (else the body ends when the connection closes).
    sized: bool = True


class Site:
    """The site's routes (path → :class:`Route`) and a record of every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[float, str, dict[str, str]]] = []
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                with site.lock:
                    site.seen.append((time.monotonic(), self.path, dict(self.headers)))
                    site.in_flight += 1
                    site.most_in_flight = max(site.most_in_flight, site.in_flight)
                try:
                    route = site.routes.get(self.path, Route(404, b"not here"))
                    time.sleep(route.delay)
                    etag = route.headers.get("ETag")
                    if etag and self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    self.send_response(route.status)
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    if route.sized:
                        self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with site.lock:
                        site.in_flight -= 1

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def page(self, path: str, html: str, **headers: str) -> None:
        self.routes[path] = Route(body=html.encode("utf-8"),
                                  headers={"Content-Type": "text/html; charset=utf-8",
                                           **headers})

    def listing(self, paths: list[str], at: str = "/practices/") -> None:
        links = "".join(f'<h2 class="wp-block-post-title"><a href="{p}">{p}</a></h2>'
                        for p in paths)
        self.page(at, f"<html><body><main>{links}</main></body></html>")

    def requests_to(self, path: str) -> list[tuple[float, str, dict[str, str]]]:
        return [seen for seen in self.seen if seen[1] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    served = Site()
    yield served
    served.close()


def source(site: Site, name: str = "pages", **politeness) -> object:
    return parse_source({"name": name, "kind": "html", "url": site.url + "/practices/",
                         "politeness": {"rate": 200, "backoff": 0.05, "timeout": 2,
                                        **politeness}})


def harvest(site: Site, tmp_path: Path, **politeness):
    return harvest_source(tmp_path, source(site, **politeness))


@pytest.mark.slow  # waits for a read timeout
def test_each_broken_page_is_named_and_the_rest_is_harvested(site, tmp_path, vocab):
    site.page("/ok", practice_page("Coding clubs"))
    site.routes["/missing"] = Route(404)
    site.routes["/error"] = Route(500, b"oops")
    site.routes["/slow"] = Route(body=b"late", delay=3)
    site.routes["/loop"] = Route(302, headers={"Location": "/loop2"})
    site.routes["/loop2"] = Route(302, headers={"Location": "/loop"})
    site.routes["/huge"] = Route(body=b"x" * 2_000_001, headers={"Content-Type": "text/html"})
    site.routes["/unsized"] = Route(body=b"x" * 2_000_001, sized=False)
    site.routes["/latin"] = Route(body=practice_page("Café numérique", LATIN).encode("latin-1"),
                                  headers={"Content-Type": "text/html"})
    site.routes["/declared"] = Route(body=practice_page("Atelier numérique", LATIN).encode("latin-1"),
                                     headers={"Content-Type": "text/html; charset=ISO-8859-1"})
    pages = ["/ok", "/missing", "/error", "/slow", "/loop", "/huge", "/unsized", "/latin",
             "/declared"]
    site.listing(pages)
    summary = harvest(site, tmp_path, retries=1, timeout=1, max_bytes=2_000_000)
    assert summary.ok and (summary.new, summary.failed) == (2, 7)
    offset = practice_page("Café numérique", LATIN).encode("latin-1").index(0xe9)
    assert sorted(summary.details) == sorted(f"page {site.url}/{line}; not harvested" for line in (
        "missing: HTTP 404",
        "error: HTTP 500 Internal Server Error after 2 attempts",
        "slow: timed out after 1 s",
        "loop: more than 10 redirects (a redirect loop?)",
        "huge: response of 2,000,001 bytes is larger than the cap of 2,000,000 "
        "(politeness.max_bytes)",
        "unsized: response larger than the cap of 2,000,000 bytes (politeness.max_bytes)",
        f"latin: not utf-8 text (byte 0xe9 at offset {offset})"))
    assert len(site.requests_to("/error")) == 2 and len(site.requests_to("/slow")) == 2
    cache = load_cache(tmp_path, "pages")
    titles = {r.title for r in cached_records(source(site), cache, vocab)}
    assert titles == {"Coding clubs", "Atelier numérique"}


def test_a_page_that_fails_later_keeps_its_last_copy(site, tmp_path):
    site.page("/ok", practice_page("Coding clubs"))
    site.page("/later", practice_page("Robotics week"))
    site.listing(["/ok", "/later"])
    assert harvest(site, tmp_path).new == 2
    site.routes["/later"] = Route(503, b"busy")
    summary = harvest(site, tmp_path, retries=0)
    assert (summary.unchanged, summary.failed) == (1, 1)
    assert "last copy kept" in summary.details[0]
    assert load_cache(tmp_path, "pages").items[site.url + "/later"].status == "current"
    site.routes["/later"] = Route(410)
    summary = harvest(site, tmp_path)
    assert summary.withdrawn == 1
    assert load_cache(tmp_path, "pages").items[site.url + "/later"].status == "withdrawn"


def test_pages_without_the_expected_parts_are_rejected_with_reasons(site, tmp_path, vocab):
    site.page("/no-sections", practice_page("Our new office", "<p>We moved.</p>"))
    site.page("/no-content", "<html><body><h1 class='wp-block-post-title'>Hi</h1></body></html>")
    site.listing(["/no-sections", "/no-content"])
    assert harvest(site, tmp_path).new == 2
    records = {r.url: r for r in cached_records(source(site), load_cache(tmp_path, "pages"),
                                                 vocab)}
    no_sections = records[site.url + "/no-sections"]
    assert no_sections.status == "rejected"
    assert no_sections.reason.startswith("the body has none of the practice's sections")
    assert no_sections.location == f"pages page ({site.url}/no-sections)"
    no_content = records[site.url + "/no-content"]
    assert (no_content.status, no_content.reason) == (
        "invalid", "page cannot be read: no element matches the content selector "
        "'.entry-content, .wp-block-post-content'")


@pytest.mark.slow
def test_a_failing_source_keeps_its_harvest_and_the_others_go_on(site, tmp_path):
    site.page("/ok", practice_page("Coding clubs"))
    site.listing(["/ok"])
    site.listing(["/ok"], at="/other/")
    config = make_project(tmp_path)
    sources = [{"name": "broken", "kind": "html", "url": site.url + "/practices/",
                "politeness": {"retries": 0}},
               {"name": "fine", "kind": "html", "url": site.url + "/other/"}]
    (config.data_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    assert run_dskg("harvest", config=config).returncode == 0
    before = (config.var_dir / "harvest" / "broken.json").read_bytes()
    site.routes["/practices/"] = Route(500, b"down")
    result = run_dskg("harvest", "--json", config=config)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    broken, fine = json.loads(result.stdout)
    assert broken["error"] == f"{site.url}/practices/: HTTP 500 Internal Server Error"
    assert fine["error"] is None and fine["unchanged"] == 1
    kept = json.loads((config.var_dir / "harvest" / "broken.json").read_text())
    assert kept["items"] == json.loads(before)["items"] and kept["error"] == broken["error"]
    assert not list((config.var_dir / "harvest").glob(".*.tmp"))


def test_robots_txt_is_honoured(site, tmp_path):
    site.routes["/robots.txt"] = Route(body=b"User-agent: dskg\nDisallow: /practices/\n",
                                       headers={"Content-Type": "text/plain"})
    site.listing(["/ok"])
    summary = harvest(site, tmp_path)
    assert summary.error == f"{site.url}/practices/: robots.txt does not allow dskg to fetch it"
    assert not site.requests_to("/practices/")
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private/\n")
    site.page("/ok", practice_page("Coding clubs"))
    assert harvest(site, tmp_path).new == 1


@pytest.mark.slow  # the pacing is what it measures
def test_requests_are_paced_bounded_and_say_who_asks(site, tmp_path):
    paths = [f"/p{i}" for i in range(12)]
    for path in paths:
        site.page(path, practice_page(f"Practice {path}"))
    site.listing(paths)
    summary = harvest(site, tmp_path, rate=20, concurrency=3)
    assert summary.new == 12 and summary.requests == 14  # robots.txt, listing, pages
    starts = sorted(when for when, _, _ in site.seen)
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 1 / 20 - 0.005
    assert site.most_in_flight <= 3
    agents = {headers["User-Agent"] for _, _, headers in site.seen}
    assert len(agents) == 1 and agents.pop().startswith("dskg/")


def test_unchanged_pages_cost_a_304(site, tmp_path):
    for path in ("/a", "/b"):
        html = practice_page(f"Practice {path}")
        site.page(path, html, ETag=f'"{hashlib.sha256(html.encode()).hexdigest()[:16]}"')
    site.listing(["/a", "/b"])
    assert harvest(site, tmp_path).new == 2
    summary = harvest(site, tmp_path)
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 2)
    conditional = [headers.get("If-None-Match") for _, path, headers in site.seen[-2:]]
    assert all(conditional)
    site.page("/b", practice_page("Practice /b, edited"), ETag='"v2"')
    summary = harvest(site, tmp_path)
    assert (summary.changed, summary.unchanged) == (1, 1)


@pytest.mark.slow  # probes a site at the default pace
def test_ingest_reads_one_practice_page_or_says_what_a_site_is_not(site, capsys):
    from dskg.cli import main

    site.page("/ok", practice_page("Coding clubs"))
    assert main(["ingest", "-q", "--kind", "html", site.url + "/ok", "--json"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert (record["title"], record["url"], record["status"]) == (
        "Coding clubs", site.url + "/ok", "ok")
    assert record["audiences"] and record["published"] == "2023-03-27"
    assert main(["ingest", "-q", "--kind", "wordpress", site.url]) == 1
    assert capsys.readouterr().err == (f"dskg ingest: {site.url}/: no WordPress REST API "
                                       "(wp/v2) at /wp-json/ or /?rest_route=/\n")
    assert main(["ingest", "-q", "--kind", "html", site.url + "/ok", "--rate", "0"]) == 1
    assert capsys.readouterr().err == (f"dskg ingest: --kind html {site.url}/ok: source "
                                       "'127.0.0.1': politeness: rate must be above 0 and "
                                       "concurrency at least 1\n")


def test_pages_linked_by_hreflang_are_one_practice(site, tmp_path, vocab):
    def version(lang: str, title: str, other: str, body: str | None = None) -> str:
        page = practice_page(title, body)
        return page.replace("<html>", f'<html lang="{lang}">').replace(
            "<head>", f'<head><link rel="alternate" hreflang="{other}" href="/{other}/">'
                      '<link rel="alternate" hreflang="x-default" href="/en/">')
    site.page("/en/", version("en-GB", "Coding clubs", "bg"))
    site.page("/bg/", version("bg-BG", "Клубове по програмиране", "en",
                              "<p>Клубове за ученици в Русе.</p>"))
    site.listing(["/bg/", "/en/"])
    assert harvest(site, tmp_path).new == 2
    [record] = cached_records(source(site), load_cache(tmp_path, "pages"), vocab)
    assert (record.title, record.language, record.url) == ("Coding clubs", "en",
                                                             site.url + "/en/")
    assert record.translations == {"bg": ("Клубове по програмиране",
                                          "Клубове за ученици в Русе.")}
