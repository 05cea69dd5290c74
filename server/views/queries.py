"""The example queries at ``/queries``: a page listing them, and each as a ``.rq`` file."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from server.examples import load_examples
from server.site import site

blueprint = Blueprint("queries", __name__)


@blueprint.get("/queries")
def examples() -> str:
    return render_template("examples.html", examples=load_examples(site().config.vocab_base))


@blueprint.get("/queries/<name>.rq")
def example_file(name: str) -> Response:
    for example in load_examples(site().config.vocab_base):
        if example.name == name:
            return Response(example.query, mimetype="application/sparql-query")
    abort(404)
