"""Practices submitted and reviewed on the site (issue 24, items 2-4), on a real server
(gunicorn): the form the declarations make, the build's own check before anything is
stored, who may see and do what, approval taking a practice live through an incremental
build, and markup typed into any field shown as text everywhere."""
from __future__ import annotations

import html
import os
import re
import signal
import sqlite3
import time
from html.parser import HTMLParser

import pytest
import requests

from .conftest import make_project
from .server_fixture import built_project, start_server, stop_server
from .test_accounts import add, form_token, signed_in

pytestmark = [pytest.mark.slow, pytest.mark.gunicorn]
ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)>'
GOOD = {"title": "Coding clubs in the libraries of Plovdiv", "language": "en",
        "funders": ["european-social-fund"],
        "summary": "Weekly coding clubs for children in the public libraries of Plovdiv.",
        "aims": "Teach programming to 200 children a year:\n• Scratch;\n• Python.",
        "countries": ["Bulgaria"], "audiences": ["Digital skills for children"],
        "organisations": ["Plovdiv Public Libraries"], "start_date": "03.2024"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    config = built_project(tmp_path_factory.mktemp("submissions"), make_project)
    running = start_server(config)
    add(running, "maria", "--coalition", "BG")          # contributor, Bulgaria
    add(running, "nikos", "--coalition", "EL")          # contributor, Greece
    add(running, "ivan", "--role", "curator", "--coalition", "BG")
    add(running, "eleni", "--role", "curator", "--coalition", "EL")
    add(running, "root", "--role", "admin")
    yield running
    stop_server(running)


def stored(site) -> int:
    with sqlite3.connect(site.config.var.submissions) as connection:
        return connection.execute("SELECT COUNT(*) FROM submission").fetchone()[0]


def send(browser: requests.Session, site, fields: dict, action: str = "submit",
         coalition: str = "BGR", query: str = "") -> requests.Response:
    page = browser.get(site.url + "/submit" + query)
    assert page.ok, page.text
    data = [("csrf_token", form_token(page.text)), ("coalition", coalition),
            ("action", action)]
    for name, value in fields.items():
        data += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return browser.post(site.url + "/submit" + query, data=data, allow_redirects=False)


def submitted(site, browser, fields=GOOD, **kwargs) -> str:
    answer = send(browser, site, fields, **kwargs)
    assert answer.status_code == 303, answer.text
    return answer.headers["Location"].rsplit("/", 1)[-1]


def act(browser, site, number: str, action: str, reason: str = "") -> requests.Response:
    page = browser.get(site.url + f"/submissions/{number}")
    return browser.post(site.url + f"/submissions/{number}", data={
        "csrf_token": form_token(page.text), "action": action, "reason": reason},
        allow_redirects=False)


def test_the_form_is_made_from_the_declarations(site):
    page = signed_in(site, "maria").get(site.url + "/submit").text
    for field in ("title", "summary", "aims", "added_value", "results", "participants",
                  "countries", "audiences", "technologies", "initiative_type", "funding",
                  "organisations", "partners", "funders", "start_date", "end_date"):
        assert f'name="{field}"' in page, field
    # Funders are chosen among those curation defines, as the graph names them.
    assert '<option value="european-social-fund">' in page
    assert 'value="Digital skills for children">' in page  # the audience scheme's concepts
    # The shapes ask for a country (sh:minCount 1), and only warn without an organisation.
    assert re.search(r'<select id="countries" name="countries" multiple size="6" required',
                     page)
    assert re.search(r'Country providing the good practice[^<]*\*</label>', page, re.I) or \
        re.search(r'<label for="countries">[^<]*\*</label>', page)
    assert re.search(r'<legend>[^<]*</legend>', page)
    assert not re.search(r'<legend>[^<]*\*</legend>', page)  # names: none required
    assert re.search(r'<select id="audiences" name="audiences" multiple size="6">', page)
    assert 'id="known-organisations"' in page and "IMS Luxembourg" in page
    bulgarian = signed_in(site, "maria").get(site.url + "/submit?lang=bg").text
    assert "Цифрови умения за деца" in bulgarian or "деца" in bulgarian


@pytest.mark.parametrize("change, field, message", [
    ({"title": "TO BE FILLED: Here should be the title"}, "title", "placeholder"),
    ({"organisations": ["Name of the organisation"]}, "organisations", "placeholder"),
    ({"end_date": "2020"}, "end_date", "precedes start date"),
    ({"start_date": "sometime"}, "start_date", "cannot be read"),
    ({"countries": []}, "countries", "a practice is not published without it"),
    ({"funders": ["no-such-funder"]}, "funders", "no funder defined in curation"),
])
def test_what_the_build_would_refuse_is_refused_beside_its_field(site, change, field,
                                                                 message):
    browser = signed_in(site, "maria")
    before = stored(site)
    answer = send(browser, site, GOOD | change)
    assert answer.status_code == 422, answer.text
    block = answer.text.split(f'name="{field}"', 1)[1].split('<div class="field', 1)[0]
    assert message in block, block[-600:]
    assert stored(site) == before


@pytest.mark.parametrize("language, change, field, message", [
    ("bg", {"end_date": "2020"}, "end_date", "крайната дата 2020 е преди началната дата"),
    ("bg", {"start_date": "sometime"}, "start_date", "начална дата 'sometime' не може"),
    ("bg", {"countries": []}, "countries", "без него практиката не се публикува"),
    ("el", {"title": "TO BE FILLED: Here"}, "title", "κείμενο κράτησης θέσης του προτύπου"),
    ("el", {"audiences": ["Martians"]}, "audiences", "η τιμή 'Martians' δεν αντιστοιχεί"),
])
def test_the_refusal_is_said_in_the_reader_s_language(site, language, change, field,
                                                     message):
    answer = send(signed_in(site, "maria"), site, GOOD | change, query=f"?lang={language}")
    assert answer.status_code == 422, answer.text
    block = answer.text.split(f'name="{field}"', 1)[1].split('<div class="field', 1)[0]
    assert message in html.unescape(block), block[-600:]


def test_anonymous_writes_are_refused(site):
    before = stored(site)
    assert requests.get(site.url + "/submit", allow_redirects=False).status_code == 302
    browser = requests.Session()
    token = form_token(browser.get(site.url + "/account/sign-in").text)
    answer = browser.post(site.url + "/submit", data={"csrf_token": token, **GOOD,
                                                      "coalition": "BGR"})
    assert answer.status_code == 401
    assert requests.post(site.url + "/submit", data=GOOD).status_code == 400  # no CSRF
    assert stored(site) == before


def test_who_may_see_and_do_what(site):
    maria, nikos = signed_in(site, "maria"), signed_in(site, "nikos")
    ivan, eleni = signed_in(site, "ivan"), signed_in(site, "eleni")
    draft = submitted(site, maria, GOOD | {"title": "A draft of Maria's"}, action="draft")
    for other in (nikos, ivan, eleni):  # another's draft is no submission to them
        assert other.get(site.url + f"/submissions/{draft}").status_code == 404
    mine = maria.get(site.url + f"/submissions/{draft}")
    assert mine.ok and mine.headers["Cache-Control"] == "no-store"
    number = submitted(site, maria, GOOD | {"title": "Maria's practice for review"})
    assert act(maria, site, number, "approve").status_code == 403  # not her role
    assert eleni.get(site.url + f"/submissions/{number}").status_code == 404  # not EL's
    assert nikos.get(site.url + f"/submissions/{number}").status_code == 404
    assert ivan.get(site.url + f"/submissions/{number}").ok
    assert "Maria&#39;s practice for review" in ivan.get(site.url + "/submissions").text
    assert "A draft of Maria" not in ivan.get(site.url + "/submissions").text
    guessed = [draft[:-1] + ("A" if draft[-1] != "A" else "B"), "1", "../../etc/passwd"]
    for wrong in guessed:
        assert ivan.get(site.url + f"/submissions/{wrong}").status_code == 404
    refused = send(nikos, site, GOOD, coalition="BGR")  # not his coalition
    assert refused.status_code == 422 and "Choose one of your coalitions" in refused.text
    assert act(ivan, site, number, "reject").status_code == 422  # a reason is needed
    assert act(ivan, site, number, "reject", "Please name the libraries.").status_code == 303
    seen = maria.get(site.url + f"/submissions/{number}").text
    assert "rejected" in seen and "Please name the libraries." in seen
    assert act(maria, site, draft, "withdraw").status_code == 303
    assert "withdrawn" in maria.get(site.url + f"/submissions/{draft}").text
    assert ivan.get(site.url + "/submissions/audit").status_code == 403
    log = signed_in(site, "root").get(site.url + "/submissions/audit").text
    assert "ivan" in log and "reject" in log and "Please name the libraries." in log


def live(site, title: str, seconds: float = 90) -> dict | None:
    """The practice titled ``title`` once the server answers with it."""
    query = ("SELECT ?p ?role WHERE { ?p <http://purl.org/dc/terms/title> ?t "
             "FILTER(STR(?t) = ?title) OPTIONAL { ?p <https://w3id.org/dskg/def/dskg/"
             "submission>/<https://w3id.org/dskg/def/dskg/approverRole> ?role } }")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = requests.get(site.url + "/sparql", params={
            "query": query.replace("?title", '"' + title.replace('"', '\\"') + '"')},
            headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
        if rows:
            return {k: v["value"] for k, v in rows[0].items()}
        time.sleep(0.5)
    return None


def test_an_approved_practice_goes_live_with_its_provenance_and_markup_stays_text(site):
    maria, ivan = signed_in(site, "maria"), signed_in(site, "ivan")
    title = f"Libraries teach coding {ATTACK}"
    fields = GOOD | {"title": title, "results": f"Two hundred children. {ATTACK}"}
    number = submitted(site, maria, fields)
    for view in (ivan.get(site.url + "/submissions").text,
                 ivan.get(site.url + f"/submissions/{number}").text):
        assert "<script>alert" not in view and "&lt;script&gt;" in view
    started = time.monotonic()
    assert act(ivan, site, number, "approve").status_code == 303
    found = live(site, title)
    assert found is not None, (site.config.var.editorial / "publish.log").read_text()
    assert found["role"] == "curator"
    print(f"approve -> live: {time.monotonic() - started:.1f} s")
    path = found["p"].split("/id/", 1)[1]
    page = requests.get(site.url + "/doc/" + path).text
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "Aims and objectives" in page and "<li>Scratch;</li>" in page
    data = requests.get(site.url + "/id/" + path, headers={"Accept": "application/ld+json"})
    assert data.ok and '<script>alert(\\"x\\")</script>' in data.text  # data, as typed
    assert re.search(r"funder[/:]european-social-fund", data.text)  # a curated funder


def test_oversized_or_malformed_submissions_store_nothing(site):
    browser = signed_in(site, "maria")
    before = stored(site)
    huge = send(browser, site, GOOD | {"summary": "x" * 1_100_000})
    assert huge.status_code == 413
    big = send(browser, site, GOOD | {part: "y " * 12_500 for part in (
        "aims", "results", "participants", "added_value", "summary")})  # 125,000 characters
    assert big.status_code == 413 and "larger than 100,000 characters" in big.text
    token = form_token(browser.get(site.url + "/submit").text)
    odd = browser.post(site.url + "/submit", data=f"csrf_token={token}&coalition=BGR&"
                       "title=%FF%FE&countries=%C0", headers={
                           "Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= odd.status_code < 500
    assert stored(site) == before


def test_an_accepted_submission_survives_a_kill_9(tmp_path):
    config = built_project(tmp_path / "kill", make_project)
    running = start_server(config)
    add(running, "maria", "--coalition", "BG")
    browser = signed_in(running, "maria")
    number = submitted(running, browser, GOOD | {"title": "Kept through a crash"})
    os.killpg(running.process.pid, signal.SIGKILL)
    running.process.wait()
    again = start_server(config)
    try:
        browser = signed_in(again, "maria")
        page = browser.get(again.url + f"/submissions/{number}")
        assert page.ok and "Kept through a crash" in page.text
    finally:
        stop_server(again)


def turtle_api_headers(config) -> dict[str, str]:
    """Headers of a program sending Turtle with the token of a new contributor of BG."""
    from .conftest import run_dskg

    assert run_dskg("users", "add", "maria", "--coalition", "BG",
                    config=config).returncode == 0
    token = run_dskg("users", "token", "maria", config=config).stdout.split()[0]
    return {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}


def practice_graph(title: str, country: str | None = "BGR"):
    """One practice described with rdflib, as a program would send it."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, RDF, SKOS

    dskg, vocab = Namespace("https://w3id.org/dskg/def/dskg/"), "https://w3id.org/dskg/"
    graph, practice, school = Graph(), URIRef("urn:example:practice"), BNode()
    graph.add((practice, RDF.type, dskg.GoodPractice))
    graph.add((practice, DCTERMS.title, Literal(title, lang="en")))
    graph.add((practice, dskg.summary, Literal("Robotics after school for girls.", lang="en")))
    graph.add((practice, dskg.aims, Literal("Two robotics teams in every town.", lang="en")))
    graph.add((practice, DCTERMS.audience, URIRef(vocab + "def/audience/children")))
    graph.add((practice, dskg.providedBy, school))
    graph.add((school, SKOS.prefLabel, Literal("Robotics for All Foundation")))
    if country:
        graph.add((practice, dskg.country, URIRef(vocab + f"id/country/{country}")))
    return graph


def test_programs_submit_json_ld_or_turtle_with_an_api_token(site):
    from .conftest import run_dskg

    made = run_dskg("users", "token", "maria", config=site.config)
    token = made.stdout.split()[0]
    assert made.returncode == 0 and token.startswith("dskg_")
    auth = {"Authorization": f"Bearer {token}"}
    body = practice_graph("Girls build robots").serialize(format="json-ld")
    answer = requests.post(site.url + "/submissions", data=body.encode(),
                           headers=auth | {"Content-Type": "application/ld+json"})
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["state"] == "submitted" and created["coalition"] == "BGR"
    assert created["fields"]["audiences"] == ["Digital skills for children"]
    assert created["fields"]["organisations"] == ["Robotics for All Foundation"]
    assert answer.headers["Location"].endswith(f"/submissions/{created['id']}")
    queue = signed_in(site, "ivan").get(site.url + "/submissions").text
    assert "Girls build robots" in queue

    turtle = practice_graph("Boys build robots", country=None).serialize(format="turtle")
    refused = requests.post(site.url + "/submissions", data=turtle.encode(),
                            headers=auth | {"Content-Type": "text/turtle"})
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["status"] == 422 and any(
        v["field"] == "countries" and "country" in v["message"] for v in problem["violations"])

    before = stored(site)
    for headers, status in (({}, 401), ({"Authorization": "Bearer dskg_guess"}, 401),
                            (auth | {"Content-Type": "application/json"}, 415)):
        wrong = requests.post(site.url + "/submissions", data=body.encode(),
                              headers={"Content-Type": "application/ld+json"} | headers)
        assert wrong.status_code == status, wrong.text
    assert "Bearer" in requests.post(site.url + "/submissions").headers["WWW-Authenticate"]
    cookie_only = signed_in(site, "maria").post(site.url + "/submissions", data=body.encode(),
                                                headers={"Content-Type": "application/ld+json"})
    assert cookie_only.status_code == 401  # a session is no API token
    malformed = requests.post(site.url + "/submissions", data=b"{not json",
                              headers=auth | {"Content-Type": "application/ld+json"})
    assert malformed.status_code == 422 and "cannot be read" in malformed.text
    assert "revoked 1 API tokens" in run_dskg("users", "revoke", "maria",
                                              config=site.config).stdout
    assert requests.post(site.url + "/submissions", data=body.encode(), headers=auth | {
        "Content-Type": "application/ld+json"}).status_code == 401
    assert stored(site) == before


class FormValues(HTMLParser):
    """What a browser would send back from a page's form unchanged: each input's,
    textarea's and selected option's value, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name") and found.get("value"):
            self.values.append((found["name"], found["value"]))
        elif tag == "select":
            self.select = found.get("name")
        elif tag == "option" and self.select and "selected" in found:
            self.values.append((self.select, found.get("value") or ""))
        elif tag == "textarea":
            self.textarea = found.get("name")
            self.values.append((self.textarea or "", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            name, text = self.values.pop()
            self.values.append((name, text + data))


CORRECTED = "plovdiv-school-prepares-artificial-intelligence-programmers"


def test_a_correction_starts_from_the_practice_shows_its_changes_and_replaces_it(site):
    maria, ivan = signed_in(site, "maria"), signed_in(site, "ivan")
    page = requests.get(site.url + f"/doc/practice/{CORRECTED}").text
    assert f'href="/submit?practice={CORRECTED}"' in page
    anonymous = requests.get(site.url + f"/submit?practice={CORRECTED}", allow_redirects=False)
    assert anonymous.status_code == 302 and "sign-in" in anonymous.headers["Location"]
    for wrong in ("no-such-practice", "global-libraries-bulgaria-foundation", "../x"):
        assert maria.get(site.url + f"/submit?practice={wrong}").status_code == 404
    form = maria.get(site.url + f"/submit?practice={CORRECTED}")
    assert form.ok and "Suggest a correction" in form.text
    parser = FormValues()
    parser.feed(form.text)
    values = dict(parser.values)
    assert values["title"] == "Plovdiv school prepares artificial intelligence programmers"
    assert values["coalition"] == "BGR" and values["countries"] == "Bulgaria"
    title = f"AI programmers of Plovdiv {ATTACK}"
    data = [(name, value) for name, value in parser.values
            if name not in ("title", "countries", "action")]
    data += [("title", title), ("countries", "Greece"), ("action", "submit")]
    sent = maria.post(site.url + f"/submit?practice={CORRECTED}", data=data,
                      allow_redirects=False)
    assert sent.status_code == 303, sent.text
    number = sent.headers["Location"].rsplit("/", 1)[-1]
    shown = ivan.get(site.url + f"/submissions/{number}").text
    assert "<script>alert" not in shown and "<ins>AI programmers of Plovdiv &lt;script&gt;" \
        in shown
    changes = shown[shown.index('<table class="diff">'):shown.index("</table>",
                                                                   shown.index("diff"))]
    assert "<del>Bulgaria</del>" in changes and "<ins>Greece</ins>" in changes
    assert "<del>" + values["title"] in changes
    assert values["organisations"] not in changes  # unchanged: not in the diff
    assert act(ivan, site, number, "approve").status_code == 303
    found = live(site, title)
    assert found is not None, (site.config.var.editorial / "publish.log").read_text()
    assert found["p"].endswith(f"/id/practice/{CORRECTED}")  # the same IRI
    published = requests.get(site.url + f"/doc/practice/{CORRECTED}").text
    assert "&lt;script&gt;" in published and values["title"] not in published


def test_a_busy_checker_answers_429_with_retry_after_and_stores_nothing(tmp_path):
    """When as many submissions wait for a worker's checker as may, the next is told
    when to come back (the app in-process, its checker real; the waiting places are
    taken as waiting submissions take them)."""
    from server.checker import CHECKER, CHECKER_RETRY, MAX_WAITING

    from .inprocess import start_site

    config = built_project(tmp_path / "busy", make_project)
    in_process = start_site(config)
    try:
        headers = turtle_api_headers(config)
        body = practice_graph("Robots in every town").serialize(format="turtle").encode()
        taken = [CHECKER.waiting.acquire(blocking=False) for _ in range(MAX_WAITING)]
        assert all(taken)
        try:
            busy = in_process.http.post(in_process.url + "/submissions", data=body,
                                        headers=headers)
        finally:
            for _ in taken:
                CHECKER.waiting.release()
        assert busy.status_code == 429 and busy.headers["Retry-After"] == str(CHECKER_RETRY)
        assert busy.headers["Content-Type"].startswith("application/problem+json")
        assert stored(in_process) == 0
        again = in_process.http.post(in_process.url + "/submissions", data=body,
                                     headers=headers)
        assert again.status_code == 201, again.text
        assert stored(in_process) == 1
    finally:
        CHECKER.stop()
        in_process.close()


def test_checks_wait_their_turn_to_keep_within_their_share_of_a_core(tmp_path):
    """After a check, the next one on the machine starts no sooner than the pause its
    processor time and ``check_share`` ask (the app in-process, its checker real)."""
    from server.checker import CHECKER, NEXT

    from .inprocess import start_site

    config = built_project(tmp_path / "paced", make_project, check_share=0.05)
    in_process = start_site(config)
    try:
        headers = turtle_api_headers(config)
        turn, next_turn = config.var.editorial / NEXT, 0.0
        for title in ("Robots in every town", "Robots in every village"):
            body = practice_graph(title).serialize(format="turtle").encode()
            asked = time.time()
            answer = in_process.http.post(in_process.url + "/submissions", data=body,
                                          headers=headers)
            assert answer.status_code == 201, answer.text
            if next_turn:  # the second waited for the turn the first one set
                assert asked < next_turn <= time.time()
            next_turn = float(turn.read_text())
            assert next_turn > time.time()  # 19 × the check's processor time ahead
        assert stored(in_process) == 2
    finally:
        CHECKER.stop()
        in_process.close()


def test_a_correction_says_what_curation_keeps(site):
    """Curation applies on top of a correction: a curated value left out stays, and a
    field of one value that curation gives keeps curation's value; the diff says so."""
    maria = signed_in(site, "maria")
    slug = "digital-skills-for-bulgarian-smes-programme"
    parser = FormValues()
    form = maria.get(site.url + f"/submit?practice={slug}").text
    parser.feed(form)
    values = dict(parser.values)
    assert values["start_date"] == "2018"  # curated (data/curation/sample-listing.yaml)
    notes = set(re.findall(r'<p class="field-note" id="([a-z_]+)-curated">', form))
    assert {"start_date", "partners"} <= notes and "title" not in notes, notes  # said before
    assert "audiences" not in notes  # the page's own values only
    partners = [value for name, value in parser.values if name == "partners"]
    assert "Made in Bulgaria" in " ".join(partners), partners
    data = [(name, value) for name, value in parser.values
            if name not in ("start_date", "action") and not (
                name == "partners" and value == partners[0])]
    data += [("start_date", "2019"), ("action", "submit")]
    sent = maria.post(site.url + f"/submit?practice={slug}", data=data, allow_redirects=False)
    assert sent.status_code == 303, sent.text
    shown = maria.get(site.url + sent.headers["Location"]).text
    changes = shown[shown.index('<table class="diff">'):]
    changes = changes[:changes.index("</table>")]
    assert "<del>" not in changes and "<ins>" not in changes, changes
    assert f"{partners[0]} <small>(stays: curation gives it)" in changes
    assert "2018 <small>(stays: curation gives it)" in changes and "2019" not in changes
