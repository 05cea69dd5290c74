"""Editors submitting while readers browse, and how long an approval takes to go live.

    .venv/bin/python bench/editorial_bench.py 10000

On a copy of a synthetic build (bench/out/, shared with server_bench.py), ``dskg serve``
(gunicorn, 2 workers) and, from this process, 50 reader threads looping over pages a
visitor reads (browse with a facet, a practice page, a search) for ``SECONDS``, without
a pause and then reading a page a second each (:data:`THINKING`): first
alone, then with 50 contributor threads each submitting practices in a loop through
the API (``POST /submissions``, JSON-LD, an API token each), every one checked by the
build's code before it is stored. Before timing, every page read is checked to answer
200 with its content, and every submission to answer 201. Reported: reads per second,
p50/p95 of reads, errors, submissions stored and their p50/p95, for each of
:data:`ROUNDS` alternated rounds of both rows (their spread is the noise). The
contributors run in a process of their own (:func:`contributing`). Then a curator approves
one submission on the site (the form, with its CSRF token) and the time until the
endpoint answers with the practice is measured. The third row is the control: the same
50 programs at the same pace, with tokens the site refuses (401, nothing checked or
stored), which tells the cost of checking and storing from that of the traffic itself.
"""
from __future__ import annotations

import random
import re
import shutil
import sys
import tempfile
import threading
import time
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from server_bench import BIN, built, env_for, free_port, start, stop, wait_for  # noqa: E402

from dskg.accounts import Accounts  # noqa: E402
from dskg.config import Config  # noqa: E402

READERS = CONTRIBUTORS = 50
SECONDS = 20.0
#: Each row is measured this many times, alternately: the spread of one row across its
#: rounds is the noise the other row is compared with.
ROUNDS = 3
PASSWORD = "a bench password of some length"
#: Seconds a reader spends on a page, on average → what the rows call the readers. The
#: first keep the server's 2 workers busy all the time (a load test: their latency is
#: mostly the queue), the second read as people do, a page a second each (~50 pages/s
#: offered, within what the server serves), so their latency is the pages' own.
THINKING = {0.0: "readers, no pause", 1.0: "readers, a page a second each"}


def practice(n: int) -> str:
    return ('{"@context": {"dskg": "https://w3id.org/dskg/def/dskg/", '
            '"dct": "http://purl.org/dc/terms/"}, "@type": "dskg:GoodPractice", '
            f'"dct:title": {{"@value": "Bench submission {n}", "@language": "en"}}, '
            '"dskg:summary": {"@value": "Coding clubs in libraries.", "@language": "en"}, '
            '"dskg:country": {"@id": "https://w3id.org/dskg/id/country/BGR"}}')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def read_pages(url: str) -> list[str]:
    """Pages a visitor reads, each checked to answer with its content."""
    browse = requests.get(url + "/browse/practice?country=BGR")
    practices = re.findall(r'href="(/id/practice/[^"]+)"', browse.text)
    assert browse.ok and practices, "the browse page lists no practice"
    pages = ["/browse/practice?country=BGR", "/search?q=digital+skills",
             *(p.replace("/id/", "/doc/") for p in practices[:20])]
    for page in pages:
        answer = requests.get(url + page)
        assert answer.ok and ("<h1" in answer.text), page
    return pages


def readers(url: str, pages: list[str], until: float, times: list[float],
            errors: list[str], think: float) -> None:
    """One reader: a page, then ``think`` seconds on average (0.5–1.5 of it) of reading
    it; with ``think`` 0, the next page at once."""
    session, chooser = requests.Session(), random.Random(threading.get_ident())
    while time.monotonic() < until:
        began = time.perf_counter()
        try:
            answer = session.get(url + chooser.choice(pages), timeout=30)
            if answer.status_code != 200:
                errors.append(str(answer.status_code))
        except requests.RequestException as error:
            errors.append(type(error).__name__)
        times.append(time.perf_counter() - began)
        time.sleep(think * chooser.uniform(0.5, 1.5))


def contributor(url: str, token: str, until: float, counter: list[int], times: list[float],
                errors: list[str], retried: list[int]) -> None:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
    while time.monotonic() < until:
        counter[0] += 1
        began = time.perf_counter()
        try:
            answer = session.post(url + "/submissions", data=practice(counter[0]),
                                  headers=headers, timeout=120)
            if answer.status_code == 429:  # as a polite program does: again, later
                retried[0] += 1
            elif answer.status_code != 201:
                errors.append(str(answer.status_code))
            if answer.status_code != 201:  # a refused program waits as one told 429 does
                time.sleep(float(answer.headers.get("Retry-After", "2")))
                session.close()  # the server's keep-alive (2 s) ends while it waits
                continue
        except requests.RequestException as error:
            errors.append(type(error).__name__)
            continue
        times.append(time.perf_counter() - began)  # a submission stored


def contributing(url: str, tokens: list[str], until: float, results: Connection) -> None:
    """The contributors, in a process of their own: in the readers' process their
    threads' turns at the interpreter lock would count in the readers' latencies, which
    no contributor elsewhere on the internet adds to a reader's."""
    counter, retried = [0], [0]
    times: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=contributor, args=(url, token, until, counter,
                                                           times, errors, retried))
               for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.send((times, errors, retried[0]))


def load(url: str, pages: list[str], tokens: list[str], think: float) -> dict:
    until = time.monotonic() + SECONDS
    read_times: list[float] = []
    read_errors: list[str] = []
    submit_times: list[float] = []
    submit_errors: list[str] = []
    retried = 0
    fork = get_context("fork")
    receiving, sending = fork.Pipe(duplex=False)
    programs = fork.Process(target=contributing, args=(url, tokens, until, sending)) \
        if tokens else None
    if programs is not None:
        programs.start()  # before any thread of this process starts
    threads = [threading.Thread(target=readers, args=(url, pages, until, read_times,
                                                      read_errors, think))
               for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if programs is not None:
        submit_times, submit_errors, retried = receiving.recv()
        programs.join()
    return {"reads": len(read_times), "read_p50": percentile(read_times, 0.5) * 1000,
            "read_p95": percentile(read_times, 0.95) * 1000, "read_errors": read_errors,
            "submissions": len(submit_times),
            "submit_p50": percentile(submit_times, 0.5), "submit_p95":
            percentile(submit_times, 0.95), "submit_errors": submit_errors,
            "retried": retried}


def approve_to_live(url: str, number: str) -> float:
    session = requests.Session()
    form = session.get(url + "/account/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    session.post(url + "/account/sign-in", data={"csrf_token": token, "handle": "curator",
                                                 "password": PASSWORD})
    page = session.get(url + f"/submissions/{number}").text
    title = re.search(r"<h1>([^<]+)</h1>", page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    began = time.perf_counter()
    done = session.post(url + f"/submissions/{number}", data={"csrf_token": token,
                                                                "action": "approve"})
    assert done.ok, done.text
    query = ('SELECT ?p WHERE { ?p <http://purl.org/dc/terms/title> ?t '
             f'FILTER(STR(?t) = "{title}") }}')
    while time.perf_counter() - began < 600:
        rows = requests.get(url + "/sparql", params={"query": query}, headers={
            "Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
        if rows:
            return time.perf_counter() - began
        time.sleep(0.25)
    raise SystemExit("the approved practice did not go live in 10 minutes")


def run(size: int) -> None:
    source = built(size)
    with tempfile.TemporaryDirectory(prefix="dskg-editorialbench-") as tmp:
        folder = Path(tmp) / "project"
        shutil.copytree(source, folder, symlinks=True)
        accounts = Accounts(folder / "var" / "accounts.sqlite")
        tokens = []
        for n in range(CONTRIBUTORS):
            accounts.add(f"contributor{n}", "contributor", ["BG"])
            tokens.append(accounts.new_api_token(f"contributor{n}"))
        _, link = accounts.add("curator", "curator", ["BG"])
        accounts.set_password(link, PASSWORD)
        port = free_port()
        server = start([str(BIN / "dskg"), "serve"], env_for(folder) | {
            "DSKG_PORT": str(port), "DSKG_WORKERS": "2", "DSKG_FOLLOW_BUILDS": "1"})
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(url + "/health", server)
            pages = read_pages(url)
            first = requests.post(url + "/submissions", data=practice(0), headers={
                "Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/ld+json"})
            assert first.status_code == 201, first.text
            rows = []
            refused = [token + "-revoked" for token in tokens]
            for think, kind in THINKING.items():
                for _ in range(ROUNDS):  # alternated, so that drift shows as noise in all
                    rows += [(f"50 {kind} alone", load(url, pages, [], think)),
                             (f"50 {kind} + 50 contributors", load(url, pages, tokens, think)),
                             (f"50 {kind} + 50 programs refused (401)",
                              load(url, pages, refused, think))]
            for name, row in rows:
                print(f"{size:,} practices, {name}: {row['reads'] / SECONDS:.0f} reads/s, "
                      f"read p50 {row['read_p50']:.1f} ms, p95 {row['read_p95']:.1f} ms, "
                      f"{len(row['read_errors'])} read errors; {row['submissions']} "
                      f"submissions stored (p50 {row['submit_p50']:.2f} s, p95 "
                      f"{row['submit_p95']:.2f} s), {row['retried']} told to retry later (429), "
                      f"{len(row['submit_errors'])} failed {sorted(set(row['submit_errors']))}")
            print(f"(checks within {Config.from_env().check_share} of a core: "
                  "DSKG_CHECK_SHARE)")
            seconds = approve_to_live(url, first.json()["id"])
            print(f"{size:,} practices: approve -> live {seconds:.1f} s")
        finally:
            stop(server)


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["10000"]:
        run(int(arg))
