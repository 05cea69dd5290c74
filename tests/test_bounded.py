"""Queries whose syntax bounds their cost are answered in the web worker
(server/sparql/bounded.py): which ones, that their answers are the evaluators' own, and
that they are answered while every evaluator is busy."""
from __future__ import annotations

import pytest

from dskg.artefact import Build
from dskg.artefact.lifecycle import served_build
from server.sparql.admission import Admission, Rejected
from server.sparql.bounded import ROWS_HERE, is_bounded
from server.sparql.pool import QueryPool
from server.sparql.runner import NotAcceptable, QueryError, QueryRequest

from .conftest import VOCAB

PREFIXES = (f"PREFIX dskg: <{VOCAB}def/dskg/> PREFIX dct: <http://purl.org/dc/terms/> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")

BOUNDED = [
    "ASK {}",
    "ASK { ?s ?p ?o }",
    PREFIXES + "ASK { ?p a dskg:GoodPractice }",
    PREFIXES + "ask where { ?p a dskg:GoodPractice . }",
    "DESCRIBE <http://localhost:8080/id/practice/x>",
    PREFIXES + "DESCRIBE dskg:GoodPractice <http://example.org/y>",
    PREFIXES + "SELECT ?t WHERE { <http://example.org/p> dct:title ?t } LIMIT 1",
    'select * { ?s ?p "a } FILTER"@en } limit 10',
    "# a comment with { FILTER and SERVICE\nASK { ?s ?p 1.5 }",
    'SELECT ?s { ?s ?p "x"^^<http://www.w3.org/2001/XMLSchema#string> }',
    "ASK { ?s ?p 1. }",
    "SELECT ?s ?unbound { ?s ?p ?o }",
]
UNBOUNDED = [
    "ASK { ?s ?p ?s }",  # a repeated variable filters the scan
    "ASK { ?s ?p ?o . ?o ?q ?r }",
    "ASK { ?s ?p ?o ; ?q ?r }",
    "SELECT DISTINCT ?s { ?s ?p ?o }",
    "SELECT ?s { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?s { ?s ?p ?o } LIMIT 5 OFFSET 10",
    "SELECT ?s { ?s ?p ?o FILTER(?o > 1) }",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT ?s { { SELECT ?s { ?s ?p ?o } } }",
    "SELECT ?s FROM <http://example.org/g> { ?s ?p ?o }",
    "DESCRIBE ?s WHERE { ?s ?p ?o }",
    "DESCRIBE *",
    "ASK { GRAPH ?g { ?s ?p ?o } }",
    "ASK { ?s <http://a>/<http://b> ?o }",
    "ASK { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "ASK { _:b ?p ?o }",
    "ASK { [] ?p ?o }",
    "ASK { ?s ?p ?o } VALUES ?s { <http://example.org/x> }",
    'ASK { ?s ?p """long""" }',
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "ASK { ?s A ?o }",
    "PREFIX x:y <http://a> ASK {}",
    "SELECT ?s { ?s ?p ?o } LIMIT -1",
]


@pytest.mark.parametrize("query", BOUNDED)
def test_single_scans_are_bounded(query):
    assert is_bounded(QueryRequest(query, "json", None))


@pytest.mark.parametrize("query", UNBOUNDED)
def test_everything_else_goes_to_the_evaluators(query):
    assert not is_bounded(QueryRequest(query, "json", None))


def test_a_dataset_named_in_the_protocol_goes_to_the_evaluators():
    assert not is_bounded(QueryRequest("ASK { ?s ?p ?o }", "json", None,
                                       default_graphs=["http://example.org/g"]))


@pytest.fixture(scope="module")
def pools(sample_build, tmp_path_factory):
    """Two pools on the sample build, each with one real evaluator: one answers bounded
    queries in this process (as a web worker does), the other sends all to its evaluator."""
    config = sample_build.with_overrides(query_processes=1, queue_wait=0.3)
    build = Build.open(served_build(config))
    made = []
    for name, here in (("here", build.open_store()), ("evaluators", None)):
        admission = Admission(tmp_path_factory.mktemp(name), config.heavy_queries,
                              config.client_heavy, retry_after=config.query_timeout)
        made.append(QueryPool(build.layout.store, config, admission, {}, here=here))
    yield made
    for pool in made:
        pool.close()


def practice(pool: QueryPool) -> str:
    answer = pool.run(QueryRequest(PREFIXES + "SELECT ?p { ?p a dskg:GoodPractice } LIMIT 1",
                                   "json", None))
    return answer.body.decode().split('"value": "', 1)[1].split('"', 1)[0]


def test_answers_in_the_worker_are_the_evaluators_own(pools):
    here, evaluators = pools
    iri = practice(evaluators)
    queries = [
        ("ASK { ?s ?p ?o }", "json", None),
        (PREFIXES + "ASK { ?p a dskg:GoodPractice }", "xml", None),
        (PREFIXES + "ASK { ?p a dskg:NoSuchClass }", "json", None),
        (PREFIXES + f"SELECT ?t WHERE {{ <{iri}> dct:title ?t }} LIMIT 1", "json", None),
        (PREFIXES + f"SELECT * {{ <{iri}> ?p ?o }}", "csv", None),
        (PREFIXES + "SELECT ?p ?c { ?p dskg:country ?c } LIMIT 20", "tsv", None),
        (f"DESCRIBE <{iri}>", None, "turtle"),
        (PREFIXES + f"DESCRIBE <{iri}> dskg:GoodPractice", None, "ntriples"),
        # More rows than the worker reads: the evaluator answers all of them.
        (f"SELECT ?s ?p ?o {{ ?s ?p ?o }} LIMIT {ROWS_HERE + 300}", "json", None),
    ]
    for query, result_format, graph_format in queries:
        assert is_bounded(QueryRequest(query, result_format, None))
        mine = here.run(QueryRequest(query, result_format, graph_format))
        theirs = evaluators.run(QueryRequest(query, result_format, graph_format))
        assert (mine.kind, mine.format, mine.body, mine.truncated, mine.rows) == \
            (theirs.kind, theirs.format, theirs.body, theirs.truncated, theirs.rows), query
        assert mine.rows or mine.kind == "ask" or graph_format
    assert theirs.rows == ROWS_HERE + 300 and not theirs.truncated


def test_failures_in_the_worker_are_the_evaluators_own(pools):
    failures = []
    for pool in pools:
        with pytest.raises(QueryError, match="Prefix not found") as syntax:
            pool.run(QueryRequest("ASK { ?s nope:p ?o }", "json", None))
        with pytest.raises(NotAcceptable) as unacceptable:
            pool.run(QueryRequest("DESCRIBE <http://example.org/x>", "json", None))
        failures.append((str(syntax.value), unacceptable.value.kind))
    assert failures[0] == failures[1]


def test_bounded_queries_are_answered_while_every_evaluator_is_busy(pools):
    here, _ = pools
    busy = [here.idle.get(timeout=30)]  # the pool's only evaluator, taken as a query would
    try:
        answer = here.run(QueryRequest(PREFIXES + "ASK { ?p a dskg:GoodPractice }", "json",
                                       None))
        assert answer.body.decode().replace(" ", "").endswith('"boolean":true}')
        with pytest.raises(Rejected) as refused:
            here.run(QueryRequest("ASK { ?s ?p ?o . ?o ?q ?r }", "json", None))
        assert refused.value.status == 503
        # More rows than the worker reads: it would need the evaluator, so it waits too.
        with pytest.raises(Rejected):
            here.run(QueryRequest("SELECT * { ?s ?p ?o }", "json", None))
    finally:
        for evaluator in busy:
            here.idle.put(evaluator)
