"""The home page: what the graph holds, and where to go from there."""
from __future__ import annotations

from flask import Blueprint, render_template

from dskg.artefact.dumps import DUMPS
from dskg.artefact.indexes import KINDS
from server import structured
from server.site import site

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def home() -> str:
    return render_template("home.html", counts=site().build.indexes.counts, kinds=KINDS,
                           dumps=DUMPS, report=site().build.report,
                           structured=structured.script(structured.dataset()))
