"""A SPARQL 1.1 store reached over HTTP (Virtuoso, Oxigraph server, Fuseki, GraphDB)
behind the store interface.

Only the standard protocols are used: the SPARQL Protocol for queries, SPARQL Update
and the Graph Store Protocol (HTTP POST of N-Triples) for loading. A store holds the
graphs of several builds at once, each build's under names of its own
(:meth:`Endpoints.graph`), so one build can be loaded while another is served. A
:class:`RemoteStore` answers as if it held only its build: every query gets the
build's graphs as its dataset (the default graph being the union of them, held as one
graph, :meth:`Endpoints.union`), graph names in query text and protocol parameters
are rewritten to the build's, and names in answers back to the public ones.

Time limits are the store's own: Virtuoso is asked to stop a query at
``timeout`` (its ``timeout`` parameter; it then answers ``X-SQL-State: S1TAT``,
turned here into :class:`EvaluationStopped`), and its ``ResultSetMaxRows`` caps
answers. A store without such a parameter is bounded only by the client's deadline.
"""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from dskg.config import Config
from dskg.rdf import IRI, XSD, BlankNode, Literal, Term, Triple
from dskg.store.codec import check_query, parse_ntriples
from dskg.store.interface import (
    Bindings,
    EvaluationStopped,
    QueryResult,
    QuerySyntaxError,
    Row,
    StoreError,
)
from dskg.store.sparql_text import (
    HELPER,
    bind,
    blank_label,
    names_graphs,
    query_form,
    rename_graphs,
)

#: The kinds of store dskg knows how to drive beyond the standard protocols.
KINDS = ("virtuoso", "oxigraph", "generic")
#: What a deployment's name (``store_name``) may be made of.
NAME = re.compile(r"[A-Za-z0-9_-]+")
PUBLISHED_PREDICATE = "urn:dskg:build"
JSON_RESULTS = "application/sparql-results+json"
XSD_BOOLEAN = XSD + "boolean"
NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Endpoints:
    """Where a store answers, and how we sign in to change it."""

    query: str
    update: str = ""
    graph_store: str = ""
    user: str = ""
    password: str = ""
    kind: str = "generic"
    #: Seconds a query may run in the store (sent to stores that take a time limit).
    timeout: float = 30.0
    #: The deployment's name: several deployments may share one store.
    name: str = "dskg"

    @classmethod
    def from_config(cls, config: Config) -> Endpoints:
        return cls(query=config.store_endpoint, update=config.store_update,
                   graph_store=config.store_graph_store, user=config.store_user,
                   password=config.store_password, kind=config.store_kind,
                   timeout=config.query_timeout, name=config.store_name)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise StoreError(f"store kind {self.kind!r} is not one of {', '.join(KINDS)} "
                             "(DSKG_STORE_KIND)")
        if not NAME.fullmatch(self.name):
            raise StoreError(f"store name {self.name!r} may hold only letters, digits, "
                             "- and _ (DSKG_STORE_NAME)")

    @property
    def builds(self) -> str:
        """What the names of this deployment's build graphs in the store start with."""
        return f"urn:dskg:{self.name}:build:"

    def graph(self, build_id: str, graph: str) -> str:
        """The name, in the store, of one of a build's graphs."""
        return f"{self.builds}{build_id}:{graph}"

    def union(self, build_id: str) -> str:
        """The name of the graph holding the union of a build's graphs (its default graph)."""
        return f"{self.builds}{build_id}"

    def build_of(self, stored: str) -> str | None:
        """The build a graph in the store belongs to (``None``: not one of ours)."""
        if not stored.startswith(self.builds):
            return None
        return stored[len(self.builds):].split(":", 1)[0]

    @property
    def pointer(self) -> str:
        """The graph that says which build the deployment serves: one statement,
        changed by one update."""
        return f"urn:dskg:{self.name}:published"

    @property
    def auth(self) -> AuthBase | None:
        if not self.user:
            return None
        # Virtuoso's authenticated endpoints ask for Digest; most others take Basic.
        if self.kind == "virtuoso":
            return HTTPDigestAuth(self.user, self.password)
        return HTTPBasicAuth(self.user, self.password)


class Http:
    """One connection pool per thread (``requests.Session`` is not thread-safe)."""

    def __init__(self, endpoints: Endpoints):
        self.endpoints = endpoints
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            # The store is named by configuration: no proxy or .netrc from the
            # environment (looking them up costs a millisecond a query).
            session.trust_env = False
        return session

    def post(self, url: str, what: str, timeout: float, **arguments: Any) -> requests.Response:
        try:
            return self.session.post(url, timeout=(10, timeout), **arguments)
        except requests.Timeout:
            raise EvaluationStopped(f"the store did not answer {what} within "
                                    f"{timeout:g} s") from None
        except requests.RequestException as error:
            raise StoreError(f"the store at {url} cannot be reached for {what} "
                             f"({type(error).__name__})") from None


class RemoteStore:
    """One build's graphs in a store reached over HTTP, queried as the whole store."""

    #: LIMIT/OFFSET pages without ORDER BY may differ between two runs of a query.
    stable_order = False

    def __init__(self, endpoints: Endpoints, build_id: str, graphs: Iterable[str]):
        self.endpoints, self.build_id = endpoints, build_id
        self.http = Http(endpoints)
        self.graphs = {graph: endpoints.graph(build_id, graph) for graph in graphs}
        self.public = {physical: graph for graph, physical in self.graphs.items()}

    # Our own queries -------------------------------------------------------------

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        try:
            text = bind(query, bindings)
        except StoreError:
            return []  # a value this store cannot be asked about (a blank node of another)
        variables, rows = self._select(self._send(text, JSON_RESULTS, (), ()))
        return [dict(zip(variables, row)) for row in rows]

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        try:
            text = bind(query, bindings)
        except StoreError:
            return False
        return _boolean(self._json(self._send(text, JSON_RESULTS, (), ())))

    # Clients' queries ------------------------------------------------------------

    def evaluate(self, query: str, base_iri: str | None = None,
                 default_graphs: Sequence[str] = (),
                 named_graphs: Sequence[str] = ()) -> QueryResult:
        projected = check_query(query, base_iri)
        form = query_form(query)
        if form is None:
            raise QuerySyntaxError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
        if base_iri:
            query = f"BASE <{IRI.checked(base_iri).value}>\n{query}"
        if form == "DESCRIBE" and self.endpoints.kind == "virtuoso":
            # Virtuoso describes with incoming statements too; the embedded store gives
            # a concise bounded description, which Virtuoso gives when asked.
            query = f'DEFINE sql:describe-mode "CBD"\n{query}'

        accept = NTRIPLES if form in ("CONSTRUCT", "DESCRIBE") else JSON_RESULTS
        response = self._send(query, accept, default_graphs, named_graphs)
        if form == "ASK":
            return QueryResult("ask", boolean=_boolean(self._json(response)))
        if form == "SELECT":
            variables, rows = self._select(response, projected)
            return QueryResult("select", variables=variables, rows=iter(rows))
        return QueryResult("graph", triples=(self._public_triple(t)
                                             for t in parse_ntriples(response.content)))

    # The protocol ----------------------------------------------------------------

    def _rename(self, graph: str) -> str:
        return self.graphs.get(graph) or self.endpoints.graph(self.build_id, graph)

    def _send(self, query: str, accept: str, default_graphs: Sequence[str],
              named_graphs: Sequence[str]) -> requests.Response:
        """POST ``query`` with the build's dataset: the one the client named (renamed),
        the one its query names (renamed in its text), or else all the build's graphs."""
        query, names_dataset = rename_graphs(query, self.graphs, self._rename)
        form: list[tuple[str, str]] = [("query", query)]
        if default_graphs or named_graphs:
            form += [("default-graph-uri", self._rename(g)) for g in default_graphs]
            form += [("named-graph-uri", self._rename(g)) for g in named_graphs]
        elif not names_dataset:
            form.append(("default-graph-uri", self.endpoints.union(self.build_id)))
            if names_graphs(query):
                form += [("named-graph-uri", g) for g in sorted(self.graphs.values())]
        endpoints = self.endpoints
        if endpoints.kind == "virtuoso":
            form.append(("timeout", str(int(endpoints.timeout * 1000))))
        response = self.http.post(endpoints.query, "a query", endpoints.timeout + 5,
                                  data=form, headers={"Accept": accept})
        if response.headers.get("X-SQL-State") == "S1TAT":
            raise EvaluationStopped(f"the store stopped the query at its time limit "
                                    f"({endpoints.timeout:g} s)")
        if response.status_code == 400:
            raise QuerySyntaxError(_message(response))
        if response.status_code >= 300:
            raise StoreError(f"the store answered {response.status_code} to a query: "
                             f"{_message(response)}")
        return response

    @staticmethod
    def _json(response: requests.Response) -> dict:
        try:
            return json.loads(response.content)
        except ValueError:
            raise StoreError("the store's answer is not SPARQL JSON results") from None

    def _select(self, response: requests.Response, order: list[str] | None = None,
                ) -> tuple[list[str], list[list[Term | None]]]:
        """Variables and rows of a SELECT answer; ``order``: the variables in the order
        the embedded store gives them (a store may order ``SELECT *`` its own way)."""
        answer = self._json(response)
        variables = order or [name for name in answer.get("head", {}).get("vars", [])
                              if not name.startswith(HELPER)]
        rows = [[self._term(binding.get(name)) for name in variables]
                for binding in answer.get("results", {}).get("bindings", [])]
        return variables, rows

    def _term(self, value: dict | None) -> Term | None:
        if value is None:
            return None
        kind, text = value.get("type"), value.get("value", "")
        if kind == "uri":
            return IRI(self.public.get(text, text))
        if kind == "bnode":
            return BlankNode(blank_label(text))
        if "xml:lang" in value:
            return Literal.tagged(text, value["xml:lang"])
        if "datatype" in value:
            if value["datatype"] == XSD_BOOLEAN:  # Virtuoso writes true as 1
                text = {"1": "true", "0": "false"}.get(text, text)
            return Literal.typed(text, value["datatype"])
        return Literal(text)

    def _public_triple(self, triple: Triple) -> Triple:
        public = self.public
        subject, obj = triple.subject, triple.object
        if isinstance(subject, IRI) and subject.value in public:
            subject = IRI(public[subject.value])
        if isinstance(obj, IRI) and obj.value in public:
            obj = IRI(public[obj.value])
        return Triple(subject, triple.predicate, obj)


class StoreAdmin:
    """What publishing needs of a store: updates, uploads, and which builds it holds."""

    def __init__(self, endpoints: Endpoints):
        if not endpoints.update:
            raise StoreError("no update endpoint is configured (DSKG_STORE_UPDATE)")
        self.endpoints, self.http = endpoints, Http(endpoints)

    def update(self, text: str, timeout: float = 3600) -> None:
        response = self.http.post(self.endpoints.update, "an update", timeout,
                                  data={"update": text}, auth=self.endpoints.auth)
        if response.status_code >= 300:
            raise StoreError(f"the store answered {response.status_code} to an update: "
                             f"{_message(response)}")

    def post_ntriples(self, graph: str, data: bytes) -> None:
        """Add N-Triples to ``graph`` through the Graph Store Protocol."""
        if not self.endpoints.graph_store:
            raise StoreError("no Graph Store Protocol endpoint is configured "
                             "(DSKG_STORE_GRAPH_STORE)")
        response = self.http.post(self.endpoints.graph_store, "an upload", 3600,
                                  params={"graph": graph}, data=data, auth=self.endpoints.auth,
                                  headers={"Content-Type": NTRIPLES})
        if response.status_code >= 300:
            raise StoreError(f"the store answered {response.status_code} to an upload "
                             f"into {graph}: {_message(response)}")

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a query of ours over the whole store, as plain values."""
        response = self.http.post(self.endpoints.query, "a query", 600,
                                  data={"query": query}, headers={"Accept": JSON_RESULTS})
        if response.status_code >= 300:
            raise StoreError(f"the store answered {response.status_code} to a query: "
                             f"{_message(response)}")
        bindings = json.loads(response.content)["results"]["bindings"]
        return [{name: value["value"] for name, value in row.items()} for row in bindings]

    def build_graphs(self) -> dict[str, set[str]]:
        """Build id → the graphs of it the store holds."""
        found: dict[str, set[str]] = {}
        for row in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                               f'FILTER (STRSTARTS(STR(?g), "{self.endpoints.builds}")) }}'):
            build = self.endpoints.build_of(row["g"])
            if build:
                found.setdefault(build, set()).add(row["g"])
        return found

    def graph_size(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]) if rows else 0

    def graph_sizes(self, build_id: str) -> dict[str, int]:
        """Statements in each of a build's graphs (public name → count)."""
        prefix = self.endpoints.graph(build_id, "")
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           f'FILTER (STRSTARTS(STR(?g), "{prefix}")) }} GROUP BY ?g')
        return {row["g"][len(prefix):]: int(row["n"]) for row in rows}


def published_build(endpoints: Endpoints, timeout: float = 10) -> str | None:
    """The id of the build the store serves now, or ``None`` if none was published."""
    response = Http(endpoints).post(endpoints.query, "the published build", timeout, data={
        "query": f"SELECT ?build WHERE {{ GRAPH <{endpoints.pointer}> "
                 f"{{ <{endpoints.pointer}> <{PUBLISHED_PREDICATE}> ?build }} }}"},
        headers={"Accept": JSON_RESULTS})
    if response.status_code >= 300:
        raise StoreError(f"the store answered {response.status_code} when asked which build "
                         f"it serves: {_message(response)}")
    rows = json.loads(response.content)["results"]["bindings"]
    builds = sorted(row["build"]["value"] for row in rows)
    return builds[-1] if builds else None


def switch_statement(endpoints: Endpoints, build_id: str) -> str:
    """The one update that makes ``build_id`` the served build."""
    pointer = endpoints.pointer
    return (f"DELETE WHERE {{ GRAPH <{pointer}> {{ ?s ?p ?o }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{pointer}> {{ <{pointer}> "
            f"<{PUBLISHED_PREDICATE}> {Literal(build_id)} }} }}")


def _boolean(answer: dict) -> bool:
    """An ASK answer; Virtuoso 7.2 answers some as one row of ``?__ASK_RETVAL`` (1 or 0)."""
    if "boolean" in answer:
        return bool(answer["boolean"])
    rows = answer.get("results", {}).get("bindings", [])
    return bool(rows) and rows[0].get("__ASK_RETVAL", {}).get("value") not in ("0", None)


def _message(response: requests.Response) -> str:
    """The first lines of a store's error message, enough to act on."""
    text = response.content[:2000].decode("utf-8", "replace").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:3]) or response.reason or f"HTTP {response.status_code}"
