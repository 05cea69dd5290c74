"""The SPARQL 1.1 Protocol at ``/sparql``, as a plain WSGI layer in front of Flask.

(Negotiation results are cached per ``Accept`` value: clients send the same few.)

The endpoint is the hottest path of the server, and Flask's per-request machinery
(contexts, routing, response objects) cost more than a light query itself: measured
with wrk on this machine, a Flask "hello" route answers ~4,600 req/s and a bare WSGI
one ~6,700. So protocol requests are answered here, with the standard library,
and only what needs templates — the HTML query form and HTML result tables — goes on
to the Flask view in ``server/views/sparql.py``.

Queries come as ``GET ?query=``, form-encoded ``POST`` or ``POST`` with an
``application/sparql-query`` body, with optional ``default-graph-uri`` and
``named-graph-uri``; without them the default graph is the union of all graphs.
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from dskg.formats import (
    FORMAT_ALIASES,
    GRAPH_FORMATS,
    GRAPH_MEDIA,
    RESULT_FORMATS,
    RESULT_MEDIA,
    serialize,
)
from dskg.rdf import IRI, XSD, BlankNode, Literal, Triple
from server import metrics
from server.errors import Writer
from server.headers import ROUTE_KEY
from server.negotiation import best_match, parse_accept, quality
from server.sparql.admission import Rejected
from server.sparql.guard import QueryRefused
from server.sparql.runner import (
    NotAcceptable,
    QueryError,
    QueryLimitExceeded,
    QueryRequest,
    QueryTimeout,
    StoreUnreadable,
)
from server.worker import RequestReadTimeout

if TYPE_CHECKING:
    from dskg.config import Config
    from server.site import Site

RESULT_OFFERS = list(dict.fromkeys(RESULT_MEDIA))
GRAPH_OFFERS = list(dict.fromkeys(GRAPH_MEDIA))
SD_OFFERS = ["text/turtle", "application/ld+json", "application/rdf+xml",
             "application/n-triples"]
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
GRAPH_PARAMETERS = ("default-graph-uri", "named-graph-uri")


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, close: bool = False):
        super().__init__(message)
        self.status, self.close = status, close


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, at most ``limit`` bytes (413 beyond), read before the request's
    deadline (408 past it; see :mod:`server.worker`)."""
    declared = environ.get("CONTENT_LENGTH") or ""
    too_large = f"The request body is larger than {limit:,} bytes, the most this endpoint accepts."
    if declared and (not declared.isascii() or not declared.isdigit()):
        raise ProtocolError(400, "Content-Length must be a whole number.", close=True)
    # The length is compared before ``int`` reads it: Python parses at most 4,300 digits.
    if declared and len(declared.lstrip("0")) > 30:
        raise ProtocolError(413, too_large, close=True)
    if declared and int(declared) > limit:
        raise ProtocolError(413, f"The request body is {int(declared):,} bytes; this "
                            f"endpoint accepts at most {limit:,}.", close=True)
    stream = environ["wsgi.input"]
    try:
        body = stream.read(int(declared)) if declared else stream.read(limit + 1)
    except RequestReadTimeout:
        raise ProtocolError(408, "The request body was not received in time.",
                            close=True) from None
    if len(body) > limit:
        raise ProtocolError(413, too_large, close=True)
    return body


def decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"The {what} is not valid UTF-8 (byte {error.start}).") \
            from None


def check_graph_iris(params: dict[str, list[str]]) -> None:
    for name in GRAPH_PARAMETERS:
        for value in params.get(name, []):
            try:
                IRI.checked(value)
            except ValueError:
                raise ProtocolError(400, f"{name} must be an absolute IRI; {value[:200]!r} "
                                    "is not.") from None


@lru_cache(maxsize=1024)
def wants_html(accept: str | None) -> bool:
    """A browser: it lists HTML, and likes it at least as much as any RDF or results type."""
    ranges = parse_accept(accept)
    html = quality(ranges, "text/html")
    if html <= 0 or not any(r.subtype == "html" or r.subtype == "xhtml+xml" for r in ranges):
        return False
    return all(quality(ranges, other) <= html for other in RESULT_OFFERS + GRAPH_OFFERS
               if other not in ("application/xml", "text/xml"))


def read_parameters(environ: dict[str, Any], body_limit: int
                    ) -> tuple[dict[str, list[str]], str | None, bytes]:
    """Request parameters, the query text if any, and the raw body (kept for Flask)."""
    raw = decode(environ.get("QUERY_STRING", "").encode("latin-1"), "query string")
    params = _parse_form(raw, "query string")
    body = b""
    query = None
    if environ["REQUEST_METHOD"] == "POST":
        body = read_body(environ, body_limit)
        media = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if media == "application/sparql-query":
            if "query" in params:
                raise ProtocolError(400, "Send the query either in the body or as ?query=, "
                                    "not both.")
            query = decode(body, "query in the request body")
        elif media == "application/sparql-update":
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not "
                                "accepted.")
        elif media == "application/x-www-form-urlencoded":
            form = _parse_form(decode(body, "form in the request body"), "form")
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
        elif media == "multipart/form-data":
            raise ProtocolError(415, "Send the form as application/x-www-form-urlencoded "
                                "(multipart/form-data is not read), or the query as an "
                                "application/sparql-query body.")
        elif "query" not in params:
            raise ProtocolError(415, "POST a form (application/x-www-form-urlencoded) or an "
                                "application/sparql-query body.")
    if "update" in params:
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    if query is None and "query" in params:
        if len(params["query"]) > 1:
            raise ProtocolError(400, "Exactly one query parameter is allowed.")
        query = params["query"][0]
    check_graph_iris(params)
    return params, query, body


def _parse_form(text: str, what: str) -> dict[str, list[str]]:
    """Percent-decoded parameters; a sequence that is not UTF-8 is a 400."""
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, f"The {what} holds percent-encoded bytes that are not "
                            "UTF-8.") from None


@lru_cache(maxsize=1024)
def choose_formats(accept: str | None, forced: str) -> tuple[str | None, str | None]:
    """Result-set and graph formats the client takes (``None``: none acceptable)."""
    if forced:
        forced = forced.lower()
        if forced in RESULT_MEDIA or forced in GRAPH_MEDIA:
            return RESULT_MEDIA.get(forced), GRAPH_MEDIA.get(forced)
        if forced in FORMAT_ALIASES:
            return FORMAT_ALIASES[forced]
        # A format name we do not know: the Accept header decides, as if none was given.
    result = best_match(accept, RESULT_OFFERS)
    graph = best_match(accept, GRAPH_OFFERS)
    return (RESULT_MEDIA[result] if result else None), (GRAPH_MEDIA[graph] if graph else None)


class SparqlEndpoint:
    """WSGI middleware answering ``/sparql`` protocol requests before Flask sees them."""

    def __init__(self, app: Callable[..., Iterable[bytes]], site: Site, errors: Writer):
        self.app, self.site, self.errors = app, site, errors
        self.prefixes = site.ns.prefixes()

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/sparql":
            return self.app(environ, start_response)
        environ[ROUTE_KEY] = "/sparql"
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD", "POST"):
            return self.errors(environ, start_response, 405, "Use GET or POST.",
                               [("Allow", "GET, HEAD, POST, OPTIONS")])
        try:
            params, query, body = read_parameters(environ, self.site.config.max_body)
        except ProtocolError as error:
            return self.errors(environ, start_response, error.status, str(error),
                               [("Connection", "close")] if error.close else [])
        accept = environ.get("HTTP_ACCEPT")
        forced = params.get("format", [""])[0]
        if wants_html(accept) and not forced:
            environ["wsgi.input"] = io.BytesIO(body)  # the HTML view reads it again
            environ["CONTENT_LENGTH"] = str(len(body))
            return self.app(environ, start_response)
        if query is None:
            return self._service_description(environ, start_response, accept)
        return self._answer(environ, start_response, query, params, accept, forced)

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any], query: str,
                params: dict[str, list[str]], accept: str | None,
                forced: str) -> Iterable[bytes]:
        result_format, graph_format = choose_formats(accept, forced)
        config = self.site.config
        request = QueryRequest(query=query, result_format=result_format,
                               graph_format=graph_format,
                               default_graphs=params.get("default-graph-uri", []),
                               named_graphs=params.get("named-graph-uri", []),
                               limit=config.result_limit, base=config.base,
                               prefixes=self.prefixes,
                               client=environ.get("REMOTE_ADDR", ""))
        try:
            answer = self.site.store.sparql(request)
        except NotAcceptable as error:
            if error.reason:
                return self.errors(environ, start_response, 406, f"Not Acceptable: "
                                   f"{error.reason}; ask for Turtle, N-Triples or JSON-LD.")
            return self.errors(environ, start_response, 406, "Not Acceptable: none of the "
                               "formats in the Accept header can express a "
                               f"{error.kind.upper()} result.")
        except Exception as error:
            status, message, headers = query_failure(error, config)
            return self.errors(environ, start_response, status, message, headers)
        media = RESULT_FORMATS.get(answer.format) or GRAPH_FORMATS[answer.format][0]
        extra = [("Vary", "Accept")]
        if answer.truncated:
            extra.append(("DSKG-Results-Truncated", f"limit={config.result_limit}"))
        return self._send(start_response, answer.body, media, extra)

    def _service_description(self, environ: dict[str, Any], start_response: Callable[..., Any],
                             accept: str | None) -> Iterable[bytes]:
        media = best_match(accept, SD_OFFERS)
        if media is None:
            return self.errors(environ, start_response, 406, "Not Acceptable: the service "
                               "description is available as " + ", ".join(SD_OFFERS))
        name = next(n for n, (m, _, _) in GRAPH_FORMATS.items() if m == media)
        body = service_description(self.site, endpoint_url(self.site, environ), name)
        return self._send(start_response, body, media, [("Vary", "Accept")])

    @staticmethod
    def _send(start_response: Callable[..., Any], body: bytes, media: str,
              extra: list[tuple[str, str]]) -> list[bytes]:
        charset = "; charset=utf-8" if media.startswith("text/") else ""
        start_response("200 OK", [("Content-Length", str(len(body))),
                                  ("Content-Type", media + charset)] + extra)
        return [body]


def query_failure(error: Exception, config: Config) -> tuple[int, str, list[tuple[str, str]]]:
    """Status, message and headers for a query that did not answer; re-raises the unknown."""
    if isinstance(error, QueryError):
        return 400, f"Query syntax error: {error}", []
    if isinstance(error, QueryRefused):
        metrics.REJECTIONS.labels("refused").inc()
        return 400, f"Query refused: {error}", []
    # A client whose query was stopped waits as long as a query may run (see admission).
    wait = [("Retry-After", str(math.ceil(config.query_timeout)))]
    if isinstance(error, QueryTimeout):
        return 503, (f"Query timed out: it ran longer than {config.query_timeout:g} s and "
                     "was stopped."), wait
    if isinstance(error, QueryLimitExceeded | StoreUnreadable):
        return 503, str(error), wait
    if isinstance(error, Rejected):
        return error.status, str(error), [("Retry-After", str(error.retry_after))]
    raise error


def endpoint_url(site: Site, environ: dict[str, Any]) -> str:
    if site.config.public_url:
        return site.config.public_url.rstrip("/") + "/sparql"
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
    return f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}/sparql"


def service_description(site: Site, endpoint: str, name: str) -> bytes:
    """The SPARQL 1.1 Service Description of this endpoint, in format ``name``."""
    service, dataset, default = IRI(endpoint), BlankNode(), BlankNode()
    a = IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(term: str) -> IRI:
        return IRI(SD + term)

    triples = [Triple(service, a, sd("Service")),
               Triple(service, sd("endpoint"), service),
               Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
               Triple(service, sd("feature"), sd("UnionDefaultGraph")),
               Triple(service, sd("defaultDataset"), dataset),
               Triple(dataset, a, sd("Dataset")),
               Triple(dataset, sd("defaultGraph"), default),
               Triple(default, a, sd("Graph")),
               Triple(default, IRI("http://rdfs.org/ns/void#triples"),
                      Literal.typed(str(site.build.indexes.triples), XSD + "integer"))]
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(Triple(service, sd("resultFormat"), IRI(FORMATS_NS + fmt)))
    for graph in site.build.report.get("graphs", []):
        named = BlankNode()
        triples += [Triple(dataset, sd("namedGraph"), named),
                    Triple(named, sd("name"), IRI(graph))]
    prefixes = {"sd": SD, "void": "http://rdfs.org/ns/void#"} if name == "turtle" else None
    return serialize(triples, name, prefixes)
