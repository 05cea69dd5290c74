"""Property: no request, however malformed, gets a 5xx (or an exception) from the app.

Hypothesis generates requests over the app's own route table — every route, with
arbitrary path values, every parameter any view reads (and unknown ones), odd
methods, headers, bodies and undecodable bytes — against the app in-process (Flask's
test client; the SPARQL evaluators are real processes).
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.app import create_app
from server.params import OneOf, Param, Repeated, Whole

from .conftest import BASE, ROOT, VOCAB

PARAMETERS = ["page", "q", "sort", "show", "iri", "query", "format", "default-graph-uri",
              "named-graph-uri", "country", "audience", "technology", "initiative", "funding",
              "funder", "year", "tabTitle", "update", "lang", "x"]
ODD_VALUES = ["²", "٣", "99999999999999999999", "-1", "0", "", "%", "\x00", "\ud800", " ",
              "1e309", "NaN", "<>", "<http://x/>", "not an iri", "ASK {}", "ASK {",
              "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "DESCRIBE <" + VOCAB + "id/country/BGR>",
              "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
              "SELECT * WHERE " + "{" * 200 + "}" * 200, "-published", "title", "country",
              BASE + "id/practice/digital-skills-partnership", "BGR", "children"]
ACCEPT = ["*/*", "text/html", "application/json", "text/turtle", "application/ld+json",
          "application/sparql-results+json", "text/csv", "application/rdf+xml", "image/png",
          "text/*;q=0", "application/xml;q=abc", ";;;", "", "text/html, */*;q=0.1"]
BODY_TYPES = ["application/x-www-form-urlencoded", "application/sparql-query",
              "application/sparql-update", "multipart/form-data; boundary=x", "text/plain",
              "application/json", ""]


@pytest.fixture(scope="module")
def client(sample_build):
    app = create_app(sample_build.with_overrides(query_timeout=5.0))
    yield app.test_client()
    app.extensions["dskg"].store.runner.close()


def paths(client) -> list[str]:
    """Every route's rule, with ``<converter:name>`` left for the strategy to fill."""
    return sorted({rule.rule for rule in client.application.url_map.iter_rules()})


def fill(rule: str, values: list[str]) -> str:
    parts = re.split(r"<[^>]+>", rule)
    filled = parts[0]
    for part, value in zip(parts[1:], values):
        filled += value + part
    return filled


text = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=40))
segment = st.one_of(text.map(lambda value: quote(value.encode("utf-8", "surrogatepass"),
                                                  safe="")),
                    st.sampled_from(["%ZZ", "%C3", "%ED%A0%80", "..", "practice", "BGR",
                                     "digital-skills-partnership.ttl", "dskg.ttl", "x.html"]))


#: Three times the profile's examples (tests/conftest.py): 450 in ``make test``, 60 in
#: the fast subset. Read when this module is imported, after the profile is loaded.
EXAMPLES = settings.default.max_examples * 3


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_request_gets_a_server_error(client, data):
    rule = data.draw(st.sampled_from(paths(client)), label="route")
    path = fill(rule, data.draw(st.lists(segment, min_size=3, max_size=3)))
    method = data.draw(st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "OPTIONS",
                                        "PUT", "DELETE"]))
    params = data.draw(st.lists(st.tuples(st.sampled_from(PARAMETERS), text), max_size=4))
    query_string = "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}"
                            for k, v in params)
    if data.draw(st.booleans(), label="raw bytes in the query string"):
        query_string += "&" + data.draw(st.sampled_from(["q=%FF%FE", "page=%C2%B2",
                                                         "query=%ED%A0%80", "q=\xff"]))
    headers = {"Accept": data.draw(st.sampled_from(ACCEPT)),
               "Accept-Language": data.draw(st.sampled_from(["bg", "el;q=x", "*", "",
                                                              "de-CH, fr;q=0.5", "ü"])),
               "If-None-Match": data.draw(st.sampled_from(['"x"', "*", "", "W/\"1\""])),
               "Range": data.draw(st.sampled_from(["bytes=0-10", "bytes=-5", "bytes=x",
                                                    "items=1"]))}
    body = b""
    if method == "POST":
        headers["Content-Type"] = data.draw(st.sampled_from(BODY_TYPES))
        body = data.draw(st.one_of(st.binary(max_size=200),
                                   st.sampled_from([b"query=ASK%20%7B%7D", b"\xff\xfe\x00",
                                                    "ASK {}".encode("utf-16"),
                                                    b"query=%ED%A0%80", b"ASK {"])))
    # WSGI carries the query string as latin-1 text: "\xff" is the raw byte 0xFF.
    response = client.open(path, method=method, headers=headers, data=body,
                           environ_overrides={"QUERY_STRING": query_string})
    assert response.status_code < 500, (method, path, query_string, headers,
                                        response.get_data()[:300])
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    if response.status_code >= 400:  # an error in the site's own words, never internals
        body = response.get_data()
        for leak in (b"Traceback", b"Werkzeug", b"werkzeug", str(ROOT).encode()):
            assert leak not in body, (method, path, response.status_code, body[:300])


@pytest.mark.parametrize("path", ["/search?q=x&page=%C2%B2", "/browse/practice?page=%C2%B2",
                                  "/browse/practice?page=99999999999999999999",
                                  "/doc/practice/digital-skills-partnership?page=%C2%B2",
                                  "/browse/organisation?page=99999999999999999999",
                                  "/sitemap.xml?page=-1",
                                  "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri",
                                  "/sparql?query=%FF",
                                  *(f"{path}page={'5' * 5_001}" for path in (
                                      "/search?q=x&", "/browse/practice?", "/sitemap.xml?",
                                      "/browse/organisation?", "/doc/country/BGR?")),
                                  f"/browse/practice?country={'x' * 3_000}",
                                  "/browse/practice?" + "&".join(["show=x"] * 51)])
def test_the_reported_bad_inputs_are_400(client, path):
    accept = "application/sparql-results+json" if path.startswith("/sparql") else "text/html"
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 400, response.get_data()[:300]


@pytest.mark.parametrize("body", [b"\xff\xfeASK {}", "ASK {}".encode("utf-16"), b"\xed\xa0\x80"])
def test_undecodable_query_bodies_are_400(client, body):
    response = client.post("/sparql", data=body, headers={
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json"})
    assert response.status_code == 400 and b"not valid UTF-8" in response.data


@pytest.mark.parametrize(("query_string", "status", "says"), [
    ("query=\xff", 400, "not valid UTF-8"),  # WSGI's latin-1 text: the raw byte 0xFF
    ("lang=%C2%B2", 415, "POST a form"),
])
def test_a_protocol_error_for_a_browser_is_the_error_page(client, query_string, status, says):
    """Found by the property above: the error page of a protocol error read the broken
    query string (or the ``?lang=`` naming no language) again, and failed."""
    response = client.post("/sparql", data=b"x", headers={
        "Content-Type": "text/plain", "Accept": "text/html"},
        environ_overrides={"QUERY_STRING": query_string})
    assert response.status_code == status and response.mimetype == "text/html"
    assert says in response.get_data(as_text=True)


def declared(client) -> list[tuple[str, tuple[Param, ...]]]:
    """Every GET route that declares query parameters, with its declarations."""
    app = client.application
    return sorted((rule.rule, app.view_functions[rule.endpoint].parameters)
                  for rule in app.url_map.iter_rules()
                  if hasattr(app.view_functions[rule.endpoint], "parameters"))


def test_the_pages_that_read_parameters_declare_them(client):
    routes = dict(declared(client))
    assert {"/browse/practice", "/browse/practice.json", "/browse/practice.csv", "/search",
            "/search.json", "/graph", "/sitemap.xml", "/browse/<kind>",
            "/doc/<kind>/<name>"} <= set(routes)
    assert {param.name for param in routes["/browse/practice"]} >= {"page", "sort", "country"}


#: Digits past the 4,300 Python parses, zero padding, signs, other scripts' digits.
NUMBERS = st.one_of(st.integers(-10, 10**12).map(str), st.sampled_from(ODD_VALUES),
                    st.integers(1, 6_000).map(lambda n: "9" * n),
                    st.integers(1, 40).map(lambda n: "0" * n + "1"))
LONG_TEXT = st.integers(1, 6_000).map(lambda n: "ä" * n)


def values_for(param: Param) -> st.SearchStrategy[list[str]]:
    """Values a visitor may send for ``param``: good ones, edges and garbage of its kind."""
    if isinstance(param, Whole):
        one = NUMBERS
    elif isinstance(param, OneOf):
        one = st.one_of(st.sampled_from(param.choices), text)
    else:
        one = st.one_of(text, LONG_TEXT)
    return st.lists(one, min_size=1, max_size=70 if isinstance(param, Repeated) else 2)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_declared_parameter_value_gets_a_server_error(client, data):
    rule, params = data.draw(st.sampled_from(declared(client)), label="route")
    path = fill(rule, ["practice", "digital-skills-partnership", "x"])
    chosen = data.draw(st.lists(st.sampled_from(params), min_size=1, max_size=3, unique=True))
    pairs = [(param.name, value) for param in chosen for value in data.draw(values_for(param))]
    query_string = "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}"
                            for k, v in pairs)
    response = client.get(path, environ_overrides={"QUERY_STRING": query_string},
                          headers={"Accept": data.draw(st.sampled_from(ACCEPT))})
    assert response.status_code < 500, (path, query_string[:300], response.get_data()[:300])
