"""Practices submitted and reviewed on the site: ``/submit`` and ``/submissions/…``.

The form is made from the declarations, never restated: the parts of the description
(:data:`dskg.fields.PROSE`) and the fields a submission fills
(:data:`dskg.fields.FORM_FIELDS`), each a choice among its scheme's concepts (labels in
the reader's language, read from the store) or among the curated funders, names or a
date, with how many values the shapes allow (their
``sh:minCount``/``sh:maxCount``, read from the shapes graph in the store). A submission
is checked by the build's own code before it is stored (:mod:`server.checker`, a process
of its own so that this worker never loads the pipeline): each problem is shown
beside its field, and nothing is stored. A curator's approval starts ``dskg submission
publish``, which builds, incrementally, and the server follows the new build by itself.

Who may do what is :mod:`dskg.submissions`'s; a submission another account may not see
answers 404, like one that does not exist.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import HTTPException, TooManyRequests

from dskg import formats
from dskg.accounts import Account
from dskg.config import Config
from dskg.fields import FORM_FIELDS, PROSE, Field
from dskg.messages import N_
from dskg.rdf import IRI
from dskg.store import text_of
from dskg.submissions import (
    SUBMISSION_MEDIA,
    NotAllowed,
    Submission,
    SubmissionError,
    Submissions,
    allowed_actions,
)
from server.checker import CHECKER, CHECKER_RETRY, CheckerBusy, CheckerFailed
from server.commands import publish_later
from server.describe import Description
from server.diff import Change, changes
from server.errors import problem
from server.i18n import _, language, say
from server.params import Text, arg, takes
from server.queries import query
from server.rendering import label_of
from server.site import site
from server.views.account import accounts, private
from server.views.resources import SLUG

blueprint = Blueprint("submit", __name__)
blueprint.after_request(private)
NTRIPLES = formats.GRAPH_FORMATS["ntriples"].media
#: Past this many organisations, the form offers no list of them to pick from.
MAX_KNOWN_NAMES = 2000
#: How many names the form has room for, for a field of several names.
NAME_SLOTS = 4
STATE_NAMES = {"draft": N_("draft"), "submitted": N_("submitted"), "approved": N_("approved"),
               "rejected": N_("rejected"), "withdrawn": N_("withdrawn")}
ACTION_NAMES = {"submit": N_("Submit for review"), "approve": N_("Approve"),
                "reject": N_("Reject"), "withdraw": N_("Withdraw")}


@dataclass(frozen=True)
class FormField:
    """One field of the form, as the declarations and the shapes make it."""

    name: str
    label: str
    #: ``text`` (one line), ``prose`` (paragraphs), ``choice``, ``names``, ``date``.
    widget: str
    required: bool
    many: bool
    choices: tuple[tuple[str, str], ...] = ()


def submissions() -> Submissions:
    found: Submissions = current_app.extensions["dskg_submissions"]
    return found


def init_app(app: Flask, config: Config) -> None:
    app.extensions["dskg_submissions"] = Submissions(config.var.submissions)


def signed_in(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Anonymous readers are sent to sign in (a GET) or refused (anything else)."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            if request.method == "GET":
                return redirect(url_for("account.sign_in", next=request.full_path))
            abort(401, description=_("Sign in to submit or review practices."))
        return view(*args, **kwargs)
    return wrapped


def account() -> Account:
    found: Account = current_user.account
    return found


@lru_cache(maxsize=8)
def _cardinalities(build_id: str) -> dict[str, tuple[int, int | None]]:
    """Property → (at least, at most) values the shapes allow a practice."""
    ns = site().ns
    found: dict[str, tuple[int, int | None]] = {}
    for row in site().store.select(query("practice_cardinalities"), {
            "shapes": IRI(str(ns.iri("def/shapes"))), "practice": IRI(str(ns.dskg.GoodPractice))}):
        low, high = found.get(text_of(row, "path"), (0, None))
        if row.get("min") is not None:
            low = max(low, int(text_of(row, "min")))
        if row.get("max") is not None:
            high = min(high, int(text_of(row, "max"))) if high is not None else int(
                text_of(row, "max"))
        found[text_of(row, "path")] = (low, high)
    return found


@lru_cache(maxsize=32)
def _concepts(build_id: str, scheme: str) -> list[tuple[str, str]]:
    """(English label, the concept's IRI) of each concept of ``scheme``."""
    rows = site().store.select(query("scheme_choices"), {"scheme": IRI(scheme)})
    return sorted({(text_of(row, "english"), text_of(row, "concept")) for row in rows})


def form_fields() -> list[FormField]:
    """The form, from the declarations; labels in the reader's language."""
    ns, build_id = site().ns, site().build.id
    limits = _cardinalities(build_id)

    def bounds(prefixed: str) -> tuple[int, int | None]:
        return limits.get(str(ns.expand(prefixed)), (0, None))
    fields = [FormField("title", _("Title"), "text", True, False),
              *(FormField(p.name, _(p.label), "prose", bounds(p.property)[0] > 0 or
                          p.name == "summary", False) for p in PROSE.values())]
    for declared in FORM_FIELDS:
        low, high = bounds(declared.property)
        many = declared.many and high != 1
        fields.append(FormField(declared.name, label_of(str(ns.expand(declared.property))),
                                _widget(declared), low > 0, many,
                                tuple(_choices(declared))))
    return fields


def _widget(declared: Field) -> str:
    return {"concept": "choice", "funder": "choice", "name": "names",
            "date": "date"}.get(declared.kind, "text")


def _choices(declared: Field) -> list[tuple[str, str]]:
    """(value sent back, what the reader sees) of a field with choices: a concept's
    English label, or a funder's slug (the funders curation defines, in the graph)."""
    if declared.kind == "funder":
        prefix = str(site().ns.funder(""))
        funders = [(entity.iri.removeprefix(prefix), entity.label([language()]))
                   for entity in site().entity_index.of_type("funder")
                   if entity.iri.startswith(prefix)]
        return sorted(funders, key=lambda choice: choice[1].casefold())
    if declared.scheme is None:
        return []
    scheme = str(site().ns.scheme(declared.scheme))
    shown = [(english, label_of(concept)) for english, concept in
             _concepts(site().build.id, scheme)]
    return sorted(shown, key=lambda choice: choice[1].casefold())


def known_organisations() -> list[str]:
    names = sorted({entity.label(["en"]) for entity in site().entity_index.of_type(
        "organisation")}, key=str.casefold)
    return names if len(names) <= MAX_KNOWN_NAMES else []


def fields_from_form() -> dict[str, Any]:
    """What the form sent, by field name; empty values left out."""
    found: dict[str, Any] = {}
    for field in form_fields():
        if field.many or field.widget == "names":
            values = [v.strip() for v in request.form.getlist(field.name) if v.strip()]
            if values:
                found[field.name] = values
        elif (value := request.form.get(field.name, "").strip()):
            found[field.name] = value
    found["language"] = request.form.get("language", "en").strip() or "en"
    return found


def check(fields: dict[str, Any], practice: str | None = None
          ) -> tuple[list[dict[str, str | None]], list[dict[str, Any]]]:
    """The build's own check of ``fields`` (a correction of ``practice``), in a
    process of its own: the problems, and the statements it would publish."""
    answer = _checked({"fields": fields, "practice": practice})
    return answer["problems"], answer["statements"]


def published_fields(described: Description) -> dict[str, Any]:
    """The form's fields as a practice is published now (its document, read by the
    build's own reader of RDF submissions): where a correction starts."""
    body = formats.serialize(described.triples(), "ntriples", {}).decode("utf-8")
    fields: dict[str, Any] = _checked({"rdf": NTRIPLES, "body": body, "read": True})["fields"]
    return fields


def _checked(request_line: dict[str, Any]) -> dict[str, Any]:
    """The build's answer to one request (see :meth:`dskg.ingest.editorial.Checker.answer`):
    the fields, the problems and the statements."""
    try:
        return CHECKER.ask(request_line)
    except CheckerBusy:
        raise TooManyRequests(description=_(
            "Many submissions are being checked: send it again in a few seconds."),
            retry_after=CHECKER_RETRY) from None
    except CheckerFailed as error:
        current_app.logger.error("the submission check failed: %s", error)
        abort(503, description=_("The check of submissions is not working; try again later."))




PRACTICE = Text("practice")


@blueprint.route("/submit", methods=["GET", "POST"])
@takes(PRACTICE)
@signed_in
def submit() -> ResponseReturnValue:
    """A new practice, or with ``?practice=<slug>`` a correction of that published
    practice, its form filled with what the practice says now."""
    coalitions = list(account().coalitions) or [code for _, code in _all_coalitions()]
    described = corrected_practice()
    corrected = described.iri if described else None
    curated = curated_fields(described) if described else set()
    if request.method == "GET":
        fields = published_fields(described) if described else {}
        return _form(fields, {}, coalitions, _country_of(fields, coalitions), corrected,
                     curated)
    fields = fields_from_form()
    coalition = request.form.get("coalition", "")
    errors: dict[str, list[str]] = {}
    if coalition not in coalitions:
        errors.setdefault("coalition", []).append(
            _("Choose one of your coalitions."))
    draft = request.form.get("action") == "draft"
    statements = None
    if not draft:
        for missing in (f for f in form_fields() if f.required and not fields.get(f.name)):
            errors.setdefault(missing.name, []).append(
                _("Fill this in: a practice is not published without it."))
    if not draft and not errors:
        found, statements = check(fields, corrected)
        for each in found:
            errors.setdefault(each["field"] or "", []).append(say(each))
    if errors:
        return _form(fields, errors, coalitions, coalition, corrected, curated), 422
    try:
        stored = submissions().create(account(), coalition, fields, submit=not draft,
                                      practice=corrected, statements=statements)
    except NotAllowed as refused:
        abort(403, description=str(refused))
    except SubmissionError as error:
        abort(413, description=str(error))
    return redirect(url_for("submit.one", number=stored.id), 303)


def corrected_practice() -> Description | None:
    """The description of the published practice ``?practice=<slug>`` names, if it is
    given; 404 if no practice has that slug."""
    slug = arg(PRACTICE.name)
    if not slug:
        return None
    described = site().describer.describe(str(site().ns.practice(slug)), 1, 1) \
        if SLUG.fullmatch(slug) else None
    if described is None or str(site().ns.dskg.GoodPractice) not in described.types:
        abort(404, description=_("practice=%(slug)s: no published practice has this slug.",
                                 slug=slug))
    return described


def _country_of(fields: dict[str, Any], coalitions: list[str]) -> str:
    """The coalition a correction most likely is for: its practice's country's."""
    named = set(fields.get("countries", []))
    for english, iri in _concepts(site().build.id, str(site().ns.country_scheme)):
        if english in named and iri.rsplit("/", 1)[-1] in coalitions:
            return iri.rsplit("/", 1)[-1]
    return ""


def _all_coalitions() -> list[tuple[str, str]]:
    countries = _concepts(site().build.id, str(site().ns.country_scheme))
    return [(label_of(iri), iri.rsplit("/", 1)[-1]) for _, iri in countries]


def curated_fields(described: Description) -> set[str]:
    """The form fields of which the published practice has values from curation
    (``data/curation/``): curation applies on top of a correction too, so the form
    says so beside them, before the editor changes what would not be published."""
    ns, curation = site().ns, str(site().ns.curation_graph)
    by_property = {str(ns.expand(f.property)): f.name for f in FORM_FIELDS}
    return {by_property[predicate.value] for predicate, _value, graph in described.outgoing
            if graph == curation and predicate.value in by_property}


def _form(fields: dict[str, Any], errors: dict[str, list[str]], coalitions: list[str],
          coalition: str = "", corrected: str | None = None,
          curated: set[str] | None = None) -> str:
    return render_template("submit.html", form=form_fields(), fields=fields, errors=errors,
                           coalitions=coalitions, coalition=coalition,
                           organisations=known_organisations(), slots=NAME_SLOTS,
                           corrected=corrected, curated=curated or set(),
                           slug=corrected.rsplit("/", 1)[-1] if corrected else None)


@blueprint.get("/submissions")
@signed_in
def queue() -> ResponseReturnValue:
    mine = submissions().visible(account())
    return render_template("submissions.html", submissions=mine, states=STATE_NAMES,
                           reviewer=account().role in ("curator", "admin"))


@blueprint.post("/submissions")
@takes(Text("coalition"), PRACTICE)
def api_submit() -> ResponseReturnValue:
    """A practice submitted by a program: one ``dskg:GoodPractice`` described in JSON-LD
    (or Turtle, N-Triples), with an API token (``Authorization: Bearer …``; never a
    session cookie, so no CSRF token either); with ``?practice=<slug>``, a correction of
    that published practice. 201 with the submission, or an RFC 9457 problem whose
    ``violations`` are the build's findings, each with its form field."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    who = accounts().api_account(token.strip()) if scheme.lower() == "bearer" else None
    if who is None:
        refused = problem(401, _("Send an API token of an account: Authorization: Bearer "
                                 "<token> (dskg users token HANDLE)."))
        refused.headers["WWW-Authenticate"] = 'Bearer realm="dskg"'
        return refused
    media = request.mimetype
    if media not in SUBMISSION_MEDIA:
        return problem(415, _("Send the practice as %(types)s.",
                               types=", ".join(SUBMISSION_MEDIA)))
    coalition = arg("coalition") or (
        who.coalitions[0] if len(who.coalitions) == 1 else "")
    if not who.belongs_to(coalition):
        return problem(400, _("coalition=%(given)s: give one of the account's coalitions "
                               "(%(known)s).", given=coalition or "…",
                               known=", ".join(who.coalitions) or _("any country")))
    try:
        described = corrected_practice()
        corrected = described.iri if described else None
        answer = _checked({"rdf": media, "body": request.get_data(as_text=True),
                           "practice": corrected})
    except HTTPException as refused:  # a program reads problems, as every answer here
        response = problem(refused.code or 500, refused.description or "")
        for name, value in refused.get_headers():
            if name.lower() != "content-type":  # Retry-After of a busy checker
                response.headers[name] = value
        return response
    if answer["problems"]:
        return problem(422, _("The practice is not one the build would publish."),
                        violations=answer["problems"])
    try:
        stored = submissions().create(who, coalition, answer["fields"], submit=True,
                                      practice=corrected, statements=answer["statements"])
    except SubmissionError as error:
        return problem(413, str(error))
    location = url_for("submit.one", number=stored.id, _external=True)
    response = jsonify(id=stored.id, kind=stored.kind, practice=stored.practice,
                       state=stored.state, coalition=stored.coalition, url=location,
                       fields=stored.fields)
    response.status_code, response.headers["Location"] = 201, location
    return response


@blueprint.route("/submissions/<number>", methods=["GET", "POST"])
@signed_in
def one(number: str) -> ResponseReturnValue:
    try:
        found = submissions().get(number, account())
    except NotAllowed:
        abort(404, description=_("There is no submission %(id)s for you.", id=number))
    status = 200
    refusal, statements = None, None
    if request.method == "POST":
        action = request.form.get("action", "")
        if action == "submit":
            issues, statements = check(found.fields, found.practice)
            if issues:
                refusal = "; ".join(say(p) for p in issues)
        if refusal is None:
            try:
                found = submissions().act(number, account(), action,
                                          request.form.get("reason", ""), statements)
            except NotAllowed as refused:
                abort(403, description=str(refused))
            except SubmissionError as error:
                refusal = str(error)
            else:
                if action == "approve":
                    publish_later()
                return redirect(url_for("submit.one", number=number), 303)
        status = 422
    return render_template("submission.html", submission=found, form=form_fields(),
                           states=STATE_NAMES, actions=allowed_actions(account(), found),
                           names=ACTION_NAMES, problem=refusal,
                           changes=_changes(found)), status


def _changes(found: Submission) -> list[Change] | None:
    """What a checked correction changes in its practice as published now."""
    if found.practice is None or found.statements is None:
        return None
    published = site().describer.describe(found.practice, 1, 1).outgoing
    return changes(published, found.statements, site().ns)


@blueprint.get("/submissions/audit")
@signed_in
def audit() -> ResponseReturnValue:
    try:
        lines = submissions().audit_log(account())
    except NotAllowed as refused:
        abort(403, description=str(refused))
    return render_template("audit.html", lines=lines)
