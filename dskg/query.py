"""``dskg query``: run a query against any SPARQL endpoint with SPARQLWrapper."""
from __future__ import annotations

import json
import sys
from urllib.error import HTTPError

from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException


def run_query(endpoint: str, text: str, output: str) -> int:
    client = SPARQLWrapper(endpoint)
    client.setQuery(text)
    client.setMethod("POST")
    wants = {"table": JSON, "json": JSON, "csv": CSV, "turtle": TURTLE}[output]
    client.setReturnFormat(wants)
    try:
        result = client.query()
        body = result.response.read()
    except SPARQLWrapperException as error:
        print(f"dskg query: {error}", file=sys.stderr)
        return 1
    except HTTPError as error:  # answered, but with an error: not "cannot reach"
        detail = (error.read().decode("utf-8", "replace").strip().splitlines() or [""])[0]
        print(f"dskg query: {endpoint} answered HTTP {error.code} {error.reason}"
              + (f": {detail[:300]}" if detail else ""), file=sys.stderr)
        return 1
    except OSError as error:
        print(f"dskg query: cannot reach {endpoint}: {error}", file=sys.stderr)
        return 1
    if output != "table" or not body.lstrip().startswith(b"{"):
        sys.stdout.write(body.decode("utf-8"))
        return 0
    print_table(json.loads(body))
    return 0


def print_table(answer: dict) -> None:
    if "boolean" in answer:
        print("yes" if answer["boolean"] else "no")
        return
    variables = answer["head"]["vars"]
    rows = [[b.get(v, {}).get("value", "") for v in variables]
            for b in answer["results"]["bindings"]]
    widths = [min(60, max([len(v)] + [len(r[i]) for r in rows])) for i, v in enumerate(variables)]
    print("  ".join(v.ljust(w) for v, w in zip(variables, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c[:w].ljust(w) for c, w in zip(row, widths)))
    print(f"({len(rows)} rows)")
