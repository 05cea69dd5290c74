"""The ``dskg`` command: ingest, harvest, validate, build, serve, publish, link, reference,
query."""
from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dskg import __version__
from dskg.config import Config
from dskg.errors import DskgError
from dskg.fields import PAGE_FIELDS, Field
from dskg.links import KINDS as LINK_KINDS
from dskg.reference import TABLES as REFERENCE_TABLES
from dskg.sources import KINDS

if TYPE_CHECKING:
    from dskg.build import Prepared
    from dskg.ingest.records import PracticeRecord
    from dskg.vocab import Vocabularies

#: The settings a subcommand may take as flags, each defined once; a subcommand takes
#: only those that change what it does.
FLAGS: dict[str, dict[str, Any]] = {
    "--base": {"help": "base IRI of everything minted (DSKG_BASE)"},
    "--data-dir": {"type": Path, "help": "input folder, with sources.yaml (DSKG_DATA_DIR)"},
    "--ontology-dir": {"type": Path, "help": "ontology folder (DSKG_ONTOLOGY_DIR)"},
    "--shapes-dir": {"type": Path, "help": "SHACL folder (DSKG_SHAPES_DIR)"},
    "--var-dir": {"type": Path, "help": "where builds are kept (DSKG_VAR_DIR)"},
}
INPUTS = ("--data-dir", "--ontology-dir", "--shapes-dir")


def _command(commands: Any, name: str, summary: str, description: str, examples: list[str],
             flags: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """A subcommand with its description, examples, the logging flags, and the setting
    flags (:data:`FLAGS`) that apply to it."""
    parser = commands.add_parser(
        name, help=summary, description=description,
        epilog="examples:\n" + "\n".join(f"  {example}" for example in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", dest="log_level", action="store_const", const="warning",
                      help="log only warnings and errors (DSKG_LOG_LEVEL=warning)")
    talk.add_argument("-v", "--verbose", dest="log_level", action="store_const", const="debug",
                      help="log everything (DSKG_LOG_LEVEL=debug)")
    for flag in flags:
        parser.add_argument(flag, **FLAGS[flag])
    return parser


def _config(args: argparse.Namespace) -> Config:
    keys = ("base", "data_dir", "var_dir", "ontology_dir", "shapes_dir", "host", "port",
            "workers", "query_timeout", "result_limit", "public_url", "sparql_endpoint",
            "log_level")
    return Config.from_env(**{k: getattr(args, k, None) for k in keys})


DESCRIPTION = """\
dskg turns the good practices that digital-skills coalitions publish on their sites
into a validated knowledge graph, and serves it as linked data: a SPARQL endpoint,
dereferenceable IRIs, dumps, DCAT-AP and VoID, a change stream, and pages to browse.

Every setting is also a DSKG_* environment variable (README, "Configuration").
"""
WORKFLOW = """\
a typical session:
  dskg ingest data/sources/good-practices-listing.txt   see what a page yields
  dskg validate                                         check everything in data/
  dskg build                                            build and switch to it
  dskg serve                                            http://127.0.0.1:8080/
  dskg query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
"""


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dskg", description=DESCRIPTION, epilog=WORKFLOW,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dskg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = _command(
        commands, "ingest", "show what a listing page or a live site yields, without building",
        "Print the records a source yields, entry by entry, without building or caching: "
        "text pages (PAGE is a file), or a live WordPress site or HTML listing (--kind "
        "wordpress|html, PAGE is a URL).",
        ["dskg ingest data/sources/good-practices-listing.txt",
         "dskg ingest --json page.txt | jq '.[] | select(.status != \"ok\")'",
         "dskg ingest --kind wordpress --language bg https://coalition.example.bg/"],
        ("--ontology-dir",))
    ingest.add_argument("pages", nargs="+", metavar="PAGE")
    ingest.add_argument("--json", action="store_true", help="one JSON object per entry")
    ingest.add_argument("--kind", choices=KINDS, default="listing-text",
                        help="what PAGE is (default: a listing-text file)")
    ingest.add_argument("--language", default="en",
                        help="the site's default language (--kind wordpress|html)")
    ingest.add_argument("--category", action="append", default=[], dest="categories",
                        help="harvest only posts of this category (repeatable; wordpress)")
    ingest.add_argument("--rate", type=float, default=None,
                        help="requests a second at most, as a declared source's politeness "
                             "(default 2; a site of your own can take more)")

    harvest = _command(
        commands, "harvest", "fetch the declared sites into the harvest cache",
        "Fetch the sources declared in data/sources.yaml (all harvested ones, or those "
        "named) into var/harvest/, incrementally and politely; `dskg build` then builds "
        "from the cache. A source that fails keeps its last good harvest (exit 1).",
        ["dskg harvest", "dskg harvest bulgarian-coalition --json"], ("--data-dir", "--var-dir"))
    harvest.add_argument("sources", nargs="*", metavar="SOURCE")
    harvest.add_argument("--json", action="store_true", help="the summaries as JSON")

    validate = _command(
        commands, "validate", "parse, map and validate; print the report",
        "Read every declared source, map it to RDF and validate it with the SHACL shapes, "
        "without building: the report lists each problem with its source entry. Exit 1 "
        "on violations.",
        ["dskg validate", "dskg validate --json > report.json"], (*INPUTS, "--base"))
    validate.add_argument("--json", action="store_true", help="the report as JSON")

    build = _command(
        commands, "build", "build the store and dumps from data/",
        "Build a new store, dumps, indexes and change stream, and serve it. Incremental "
        "by default: only the inputs that changed since the served build are read, mapped "
        "and validated again, and the difference is applied to a copy of it; a change it "
        "cannot vouch for (ontology, shapes, curation, dskg version) makes a full build. "
        "The report says which it was and why.",
        ["dskg build", "dskg build --strict      # data CI: any problem fails the build",
         "dskg build --full        # read, map and validate everything again"],
        (*INPUTS, "--base", "--var-dir"))
    build.add_argument("--full", action="store_true",
                       help="read, map and validate everything again")
    build.add_argument("--allow-empty", action="store_true",
                       help="publish even when no practice is publishable (an empty graph)")
    build.add_argument("--strict", action="store_true",
                       help="fail on any invalid entry, curation problem or SHACL violation")

    serve = _command(
        commands, "serve", "serve the built store with gunicorn",
        "Serve the current build (or, with DSKG_STORE_ENDPOINT, the build published to "
        "the external store): the SPARQL endpoint, linked-data documents, pages. A newly "
        "built or published build is served within DSKG_FOLLOW_BUILDS seconds.",
        ["dskg serve", "dskg serve --host 0.0.0.0 --port 80 --public-url https://dskg.eu"],
        ("--base", "--var-dir"))
    serve.add_argument("--host", help="interface to listen on (DSKG_HOST)")
    serve.add_argument("--port", type=int, help="port (DSKG_PORT)")
    serve.add_argument("--workers", type=int, help="gunicorn workers (DSKG_WORKERS)")
    serve.add_argument("--query-timeout", type=float, help="seconds (DSKG_QUERY_TIMEOUT)")
    serve.add_argument("--result-limit", type=int, help="row cap (DSKG_RESULT_LIMIT)")
    serve.add_argument("--public-url", help="external URL when behind a proxy (DSKG_PUBLIC_URL)")

    publish = _command(
        commands, "publish", "load a build into the external SPARQL store and switch to it",
        "Load a finished build (default: the current one) into the external store "
        "(DSKG_STORE_ENDPOINT, DSKG_STORE_UPDATE, DSKG_STORE_GRAPH_STORE, DSKG_STORE_USER, "
        "DSKG_STORE_PASSWORD, DSKG_STORE_KIND) under graph names of its own, check every "
        "graph's size, switch the store's published build in one update, and drop the "
        "previous build's graphs once servers moved on (DSKG_PUBLISH_GRACE seconds). A "
        "publish that fails or is stopped leaves the served build as it was.",
        ["DSKG_STORE_ENDPOINT=http://127.0.0.1:8890/sparql "
         "DSKG_STORE_UPDATE=http://127.0.0.1:8890/sparql-auth \\\n"
         "    DSKG_STORE_KIND=virtuoso DSKG_STORE_USER=dba DSKG_STORE_PASSWORD=… dskg publish",
         "dskg publish var/builds/20261128T093859824508Z-14110   # roll back to that build"],
        ("--base", "--var-dir"))
    publish.add_argument("build_dir", nargs="?", type=Path, metavar="BUILD",
                         help="the build folder (default: var/current)")

    link = _command(
        commands, "link", "propose and review links to the EU's tables, NUTS and DigComp",
        "propose: read the served build and add candidate links (with the rule and score "
        "that made each) to data/links/*.csv; decisions already there are kept. review: "
        "list the candidates, or accept or reject them by id (a file edit works too). The "
        "next build publishes the accepted ones (README, \"Links to the world\").",
        ["dskg link propose", "dskg link propose --kind place",
         "dskg link review --kind funder",
         "dskg link review --accept 3f9c2a1b --accept 0d41e7aa --by maria",
         "dskg link review --kind competence --reject all"],
        ("--data-dir", "--ontology-dir", "--var-dir", "--base"))
    link.add_argument("action", choices=("propose", "review"))
    link.add_argument("--kind", action="append", choices=sorted(LINK_KINDS), dest="kinds",
                      help="only these kinds (repeatable; default: all)")
    link.add_argument("--accept", action="append", default=[], metavar="ID",
                      help="accept this candidate (repeatable; `all`: every one listed)")
    link.add_argument("--reject", action="append", default=[], metavar="ID",
                      help="reject this candidate (repeatable; `all`: every one listed)")
    link.add_argument("--by", default="", help="who decides (kept in the decision file)")

    reference = _command(
        commands, "reference", "refresh a shipped reference table from its publisher",
        "Download the current EU programme or NUTS table from the Publications Office "
        "(or --from a URL or file), check that it parses and still has every code "
        "data/links leads to, and write it in place of ontology/reference/'s copy; "
        "nothing is replaced when a check fails.",
        ["dskg reference refresh", "dskg reference refresh eu-programme",
         "dskg reference refresh nuts --from nuts.gc"],
        ("--data-dir", "--ontology-dir"))
    reference.add_argument("action", choices=("refresh",))
    reference.add_argument("tables", nargs="*", metavar="TABLE",
                           help=f"{' or '.join(REFERENCE_TABLES)} (default: all)")
    reference.add_argument("--from", action="append", dest="sources", metavar="URL",
                           help="read the table here instead of at its publisher (repeatable "
                                "for NUTS, whose lists may come per country)")

    users = _command(
        commands, "users", "add, list, disable and reset the editors' accounts",
        "Manage who may submit, review and administer practices on the site (README, "
        "\"Editing on the site\"). `add` and `reset` print a one-time link, valid for a "
        "day, with which the person sets their password on the site; no password is ever "
        "given on the command line. `disable` signs the account out everywhere.",
        ["dskg users add maria --role contributor --coalition BG",
         "dskg users add ivan --role curator --coalition BG --coalition GR",
         "dskg users add admin --role admin", "dskg users list",
         "dskg users reset maria", "dskg users disable maria",
         "dskg users token maria     # a new API token (printed once)",
         "dskg users revoke maria    # void all of maria's API tokens"],
        ("--var-dir", "--base"))
    users.add_argument("action", choices=("add", "list", "disable", "reset", "token", "revoke"))
    users.add_argument("handle", nargs="?", help="the account (add, disable, reset)")
    users.add_argument("--role", choices=("contributor", "curator", "admin"),
                       default="contributor", help="what the account may do (add)")
    users.add_argument("--coalition", action="append", default=[], dest="coalitions",
                       metavar="COUNTRY", help="a coalition it belongs to, by country "
                                               "code (repeatable; add)")
    users.add_argument("--named", action="store_true",
                       help="the person agrees to be named in provenance (add)")

    submission = _command(
        commands, "submission", "check a submission, or take the approved ones live",
        "check: read a submission's fields (JSON, as the site's form gives them; or, with "
        "--rdf, one practice described in RDF) on stdin and print them with what stops it "
        "being published, as JSON {fields, problems: [{field, message}]}: "
        "the template's placeholders, what the build's reader refuses, the shapes' "
        "violations. publish: write the approved submissions where the editorial source "
        "reads them and build, one at a time (the site runs it after each approval).",
        ["echo '{\"title\": \"…\", \"countries\": [\"BG\"]}' | dskg submission check",
         "dskg submission publish"], (*INPUTS, "--base", "--var-dir"))
    submission.add_argument("action", choices=("check", "publish"))
    submission.add_argument("--rdf", metavar="MEDIA_TYPE",
                            help="check: stdin is a practice described in RDF (JSON-LD, "
                                 "Turtle, N-Triples), not form fields")
    submission.add_argument("--serve", action="store_true",
                            help="check: answer one JSON request a line until stdin ends, "
                                 "each with the processor seconds it took (the site "
                                 "keeps one such checker per worker)")

    backup = _command(
        commands, "backup", "copy what the var folder holds that no build can remake",
        "Write a consistent copy of the editors' accounts (while the server runs) into "
        "FOLDER/dskg-backup-<time>/. Builds, dumps and caches are not copied: they are "
        "remade from data/ and the sites.",
        ["dskg backup /srv/backups"], ("--var-dir",))
    backup.add_argument("folder", type=Path, metavar="FOLDER")

    query = _command(
        commands, "query", "run a SPARQL query against an endpoint",
        "Run a query with SPARQLWrapper against our endpoint (the local server by "
        "default) or any other, and print the answer as a table, JSON, CSV or Turtle.",
        ["dskg query 'SELECT ?p WHERE { ?p a <https://w3id.org/dskg/def/dskg/GoodPractice> }'",
         "dskg query --file queries/practices-per-country-and-initiative-type.rq --format csv",
         "dskg query --endpoint https://dskg.example.eu/sparql --file q.rq"])
    query.add_argument("query", nargs="?", help="the query text (or use --file)")
    query.add_argument("--file", type=Path, help="read the query from a .rq file")
    query.add_argument("--endpoint", help="SPARQL endpoint URL (default: the local server)")
    query.add_argument("--format", choices=("table", "json", "csv", "turtle"), default="table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        config = _config(args)
    except ValueError as error:
        print(f"dskg: {error}", file=sys.stderr)
        return 2
    configure_logging(config.log_level)
    handler = {"ingest": cmd_ingest, "harvest": cmd_harvest, "validate": cmd_validate,
               "build": cmd_build, "serve": cmd_serve, "publish": cmd_publish,
               "link": cmd_link, "reference": cmd_reference, "users": cmd_users,
               "backup": cmd_backup, "submission": cmd_submission,
               "query": cmd_query}[args.command]
    try:
        return handler(args, config)
    except DskgError as error:
        return fail(args.command, str(error))
    except BrokenPipeError:  # the reader went away (``dskg ingest … | head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        return fail(args.command, _os_error(error))
    except KeyboardInterrupt:
        return fail(args.command, "interrupted", code=130)


def configure_logging(level: str) -> None:
    """Log lines on stderr: the build's progress, the server's requests."""
    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S")


def fail(command: str, message: str, code: int = 1) -> int:
    """An expected failure: one line on stderr, and the exit code."""
    print(f"dskg {command}: {message}", file=sys.stderr)
    return code


def _os_error(error: OSError) -> str:
    """One line for a failed file or network operation, the full disk said plainly."""
    detail = error.strerror or (str(error).splitlines() or [type(error).__name__])[0]
    if error.filename:
        detail = f"{error.filename}: {detail}"
    if error.errno == errno.ENOSPC or "No space left on device" in detail:  # RocksDB says it so
        detail = f"the disk is full ({detail})"
    return detail


# ---------------------------------------------------------------- ingest

def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    from dskg.ingest.records import record_summary
    from dskg.namespaces import Namespaces
    from dskg.vocab import load_vocabularies

    if args.kind == "listing-text":
        missing = [page for page in args.pages if not Path(page).is_file()]
        if missing:
            print(f"dskg ingest: no such file: {', '.join(missing)}", file=sys.stderr)
            return 2
    vocab = load_vocabularies(config.ontology_dir, Namespaces.of(config))
    records = _live_records(args, vocab) if args.kind != "listing-text" else \
        _page_records([Path(page) for page in args.pages], vocab)
    summaries = [record_summary(r, vocab) for r in records]
    if args.json:
        json.dump(summaries, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_entries(summaries)
    return 0


def _page_records(pages: list[Path], vocab: Vocabularies) -> list[PracticeRecord]:
    from dskg.ingest.records import read_pages

    return read_pages(pages, vocab)


def _live_records(args: argparse.Namespace, vocab: Vocabularies) -> list[PracticeRecord]:
    """What each live site yields now, read as a source declared with these options."""
    from urllib.parse import urlsplit

    from dskg.harvest import fetch_source
    from dskg.ingest.records import mark_duplicates
    from dskg.ingest.sources import cached_records
    from dskg.sources import parse_source

    records = []
    for url in args.pages:
        name = urlsplit(url).hostname or "site"
        declared = {"name": name.lower(), "kind": args.kind, "url": url,
                    "language": args.language, "categories": args.categories}
        if args.rate is not None:
            declared["politeness"] = {"rate": args.rate}
        source = parse_source(declared, f"--kind {args.kind} {url}")
        records += cached_records(source, fetch_source(source), vocab)
    mark_duplicates(records)
    return records


def cmd_harvest(args: argparse.Namespace, config: Config) -> int:
    from dskg.harvest import harvest, select
    from dskg.sources import load_sources

    sources = select(load_sources(config.data_dir), args.sources)
    if not sources:
        return fail("harvest", f"{config.data_dir} declares no wordpress, html or ldes source "
                    "(data/sources.yaml); listing pages are read by `dskg build` directly")
    summaries = harvest(config.var_dir, sources)
    if args.json:
        json.dump([s.as_json() for s in summaries], sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for summary in summaries:
            print(summary.line())
            for detail in summary.details:
                print(f"    {detail}")
    return 1 if any(not s.ok for s in summaries) else 0


def _cell(declared: Field, value: Any) -> str:
    """One field of an ``ingest`` summary as the table shows it."""
    values = value if isinstance(value, list) else [] if value is None else [value]
    if declared.kind == "concept" and declared.json_as == "iri":
        values = [v.rstrip("/").rsplit("/", 1)[-1] for v in values]
    return ("; " if declared.kind == "name" else ", ").join(values) or "—"


def print_entries(summaries: list[dict]) -> None:
    """A readable table: one block per entry, problems first."""
    from dskg.ingest.records import STATUS_DUPLICATE, STATUS_INVALID, STATUS_OK
    for s in summaries:
        head = f"{s['source']} #{s['entry']}  [{s['status']}]  {s['title'] or '(no title)'}"
        print(head)
        if s["reason"]:
            print(f"    reason:        {s['reason']}")
        rows = [("published", s["published"] or "—")]
        rows += [(f.label, _cell(f, s[f.name])) for f in PAGE_FIELDS]
        if s["status"] in (STATUS_OK, STATUS_DUPLICATE, STATUS_INVALID):
            for label, value in rows:
                print(f"    {label + ':':<15}{value}")
        for warning in s["warnings"]:
            print(f"    warning:       {warning}")
        print()
    counts: dict[str, int] = {}
    for s in summaries:
        counts[s["status"]] = counts.get(s["status"], 0) + 1
    print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))


# ---------------------------------------------------------------- validate / build

def print_report(prepared: Prepared) -> None:
    """Entries that were not published, curation problems, then SHACL findings."""
    for record in prepared.records:
        if not record.ok:
            print(f"{record.status.upper():<10} {record.location}: "
                  f"{record.title or '(no title)'}\n           {record.reason}")
        for warning in record.warnings:
            print(f"{'WARNING':<10} {record.location}: {warning}")
    for problem in prepared.problems:
        print(f"{'CURATION':<10} {problem}")
    for finding in prepared.findings:
        print(f"{finding.severity.upper():<10} {finding.focus}")
        if finding.path:
            print(f"           property: {finding.path}")
        print(textwrap.fill(finding.message, 96, initial_indent=" " * 11,
                            subsequent_indent=" " * 11))
        if finding.value:
            print(f"           value:    {finding.value}")
        if finding.source:
            print(f"           source:   {finding.source}")
    for item in prepared.quarantined:
        print(f"{'QUARANTINE':<10} {item.resource} left out of the published graph")
    statuses: dict[str, int] = {}
    for record in prepared.records:
        statuses[record.status] = statuses.get(record.status, 0) + 1
    read = "entries" if prepared.delta.full else "entries read again"
    print(f"\n{len(prepared.records)} {read} ("
          + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + "); "
          f"{len(prepared.mapped.practices)} practices publishable among them; "
          f"{len(prepared.violations)} violations, {len(prepared.warnings)} warnings; "
          f"{len(prepared.quarantined)} quarantined\nbuild: {prepared.delta.describe()}")


def cmd_validate(args: argparse.Namespace, config: Config) -> int:
    from dskg.build import prepare

    prepared = prepare(config)
    if args.json:
        json.dump(prepared.report(entries=True), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_report(prepared)
    return 1 if prepared.violations else 0


def cmd_build(args: argparse.Namespace, config: Config) -> int:
    from dskg.build import BuildFailed, NothingToPublish, build

    try:
        prepared, build_dir = build(config, strict=args.strict, allow_empty=args.allow_empty,
                                    full=args.full)
    except BuildFailed as failure:
        print("dskg build --strict: errors found, nothing published:", file=sys.stderr)
        print(textwrap.indent(str(failure), "  "), file=sys.stderr)
        return 1
    except NothingToPublish as failure:
        return fail("build", f"{failure}; nothing published, the served build is unchanged "
                    "(--allow-empty publishes an empty graph)")
    except OSError as error:
        return fail("build", f"{_os_error(error)}; nothing published, the served build is "
                    "unchanged")
    print_report(prepared)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in prepared.timings.items())
    print(f"built {build_dir} ({timings}); now serving from {config.current_build}")
    return 0


# ---------------------------------------------------------------- links

def cmd_link(args: argparse.Namespace, config: Config) -> int:
    from datetime import date

    from dskg.links import decide, link_id, read_links

    kinds = args.kinds or list(LINK_KINDS)
    if args.action == "propose":
        from dskg.links.propose import PROPOSERS, propose

        asked = [k for k in kinds if k in PROPOSERS]
        for kind, (added, total) in propose(config, asked).items():
            print(f"{kind}: {added} new candidates ({total} decisions in "
                  f"data/links/{LINK_KINDS[kind].file})")
        if "organisation" in kinds and not config.reconcile_services:
            print("organisation: no reconciliation service configured "
                  "(DSKG_RECONCILE_SERVICES), so no candidates")
        return 0
    if args.accept or args.reject:
        today = date.today().isoformat()
        for ids, status in ((args.accept, "accepted"), (args.reject, "rejected")):
            if ids:
                done = decide(config.data_dir, config.vocab_base, kinds, ids, status,
                              args.by, today)
                print(f"{status} {len(done)} links")
        return 0
    shown = []
    for kind in kinds:
        links, problems = read_links(config.data_dir, LINK_KINDS[kind], config.vocab_base)
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
        shown += [link for link in links if link.status == "candidate"]
    for link in shown:
        print(f"{link_id(link)}  {link.subject} {link.relation} {link.target}  "
              f"score {link.score or '-'}\n          {link.rule}")
    print(f"{len(shown)} candidates; accept or reject with dskg link review --accept ID")
    return 0


def cmd_reference(args: argparse.Namespace, config: Config) -> int:
    from dskg.links import used_codes
    from dskg.reference.refresh import refresh

    for name in args.tables or list(REFERENCE_TABLES):
        table = REFERENCE_TABLES.get(name)
        used = (used_codes(config.data_dir, config.vocab_base, table.concept_base)
                if table is not None else set())
        print(refresh(name, config.ontology_dir / "reference", used, args.sources).describe())
    return 0


# ---------------------------------------------------------------- accounts

def cmd_users(args: argparse.Namespace, config: Config) -> int:
    from dskg.accounts import Accounts

    accounts = Accounts(config.var.accounts)
    if args.action == "list":
        rows = [(a.handle, a.role, " ".join(a.coalitions) or "(all)",
                 "disabled" if a.disabled else "active" if a.has_password
                 else "no password yet", "named" if a.named else "", a.created)
                for a in accounts.all()]
        for row in rows:
            print("  ".join(row).rstrip())
        print(f"{len(rows)} accounts")
        return 0
    if not args.handle:
        return fail("users", f"{args.action}: give the account's handle", code=2)
    site = (config.public_url or config.base).rstrip("/")
    if args.action == "add":
        account, token = accounts.add(args.handle, args.role, args.coalitions, args.named)
        print(f"added {account.handle} ({account.role}"
              f"{', ' + ' '.join(account.coalitions) if account.coalitions else ''}); "
              f"they set their password at {site}/account/password?token={token} "
              "(once, within a day)")
    elif args.action == "token":
        print(f"{accounts.new_api_token(args.handle)}\n(an API token of {args.handle}, shown "
              "once: send it as `Authorization: Bearer <token>` to POST /submissions)")
    elif args.action == "revoke":
        print(f"revoked {accounts.revoke_api_tokens(args.handle)} API tokens of "
              f"{args.handle}")
    elif args.action == "reset":
        token = accounts.reset(args.handle)
        print(f"{args.handle} sets a new password at {site}/account/password?token={token} "
              "(once, within a day); the current one works until then")
    else:
        accounts.disable(args.handle)
        print(f"disabled {args.handle}: signed out everywhere, refused from now on")
    return 0


def cmd_submission(args: argparse.Namespace, config: Config) -> int:
    if args.action == "check":
        from dskg.ingest.editorial import Checker
        from dskg.submissions import SUBMISSION_MEDIA

        if args.rdf and args.rdf not in SUBMISSION_MEDIA:
            return fail("submission", f"--rdf {args.rdf}: give one of "
                        f"{', '.join(SUBMISSION_MEDIA)}", code=2)

        checker = Checker(config)
        if args.serve:  # one JSON request a line in, one JSON answer a line out
            for line in sys.stdin:
                started = time.process_time()
                answer = checker.answer(json.loads(line))
                answer["cpu_seconds"] = time.process_time() - started  # its server paces checks
                print(json.dumps(answer, ensure_ascii=False), flush=True)
            return 0
        text = sys.stdin.read()
        if args.rdf:
            request = {"rdf": args.rdf, "body": text}
        else:
            try:
                request = {"fields": json.loads(text)}
            except json.JSONDecodeError as error:
                return fail("submission", f"stdin is not JSON: {error}", code=2)
            if not isinstance(request["fields"], dict):
                return fail("submission", "stdin holds no JSON object of fields", code=2)
        print(json.dumps(checker.answer(request), ensure_ascii=False))
        return 0
    from dskg.accounts import Accounts
    from dskg.build import build
    from dskg.ingest.sources import editorial_path
    from dskg.sources import load_sources
    from dskg.submissions import Submissions, publish_lock

    with publish_lock(config.var.editorial):
        names = [s.name for s in load_sources(config.data_dir) if s.kind == "editorial"]
        if not names:
            return fail("submission", "no editorial source is declared in "
                        "data/sources.yaml (kind: editorial)")
        store = Submissions(config.var.submissions)
        editors = Accounts(config.var.accounts).named_editors()
        changed = [name for name in names
                   if store.export(editorial_path(config.var_dir, name), editors)]
        if not changed:
            print("the approved submissions are live already; nothing to build")
            return 0
        prepared, folder = build(config)
        print(f"published build {folder.name}: {prepared.delta.describe()}")
    return 0


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    from datetime import UTC, datetime

    from dskg.accounts import Accounts

    folder = args.folder / f"dskg-backup-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    from dskg.submissions import Submissions

    copied = [Accounts(config.var.accounts).backup(folder / config.var.accounts.name),
              Submissions(config.var.submissions).backup(folder / config.var.submissions.name)]
    for path in copied:
        print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


# ---------------------------------------------------------------- serve / query

#: Where ``dskg serve`` finds the web server: an entry point the ``server`` package
#: registers (pyproject.toml), so the pipeline never imports the web app.
SERVER_ENTRY_POINTS = "dskg.server"


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from importlib.metadata import entry_points

    found = entry_points(group=SERVER_ENTRY_POINTS, name="serve")
    if not found:
        print("dskg serve: no web server is installed with dskg (run `make install`)",
              file=sys.stderr)
        return 1
    return next(iter(found)).load()(config)


def cmd_publish(args: argparse.Namespace, config: Config) -> int:
    from dskg.publish import publish

    if not config.external_store:
        return fail("publish", "no external store is configured (set DSKG_STORE_ENDPOINT "
                    "and DSKG_STORE_UPDATE)", code=2)
    done = publish(config, args.build_dir)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in done.timings.items())
    if done.previous == done.build:
        print(f"build {done.build} was already published; nothing to do")
    else:
        print(f"published build {done.build} ({sum(done.statements.values())} statements "
              f"in {len(done.statements)} graphs, {done.loader}; {timings}); "
              f"it replaced {done.previous or 'nothing'}")
    return 0


def cmd_query(args: argparse.Namespace, config: Config) -> int:
    from dskg.query import run_query

    if args.file:
        text = args.file.read_text(encoding="utf-8")
    elif args.query:
        text = args.query
    else:
        print("dskg query: give the query text or --file FILE.rq", file=sys.stderr)
        return 2
    endpoint = args.endpoint or config.sparql_endpoint or \
        f"http://{config.host}:{config.port}/sparql"
    return run_query(endpoint, text, args.format)


if __name__ == "__main__":
    sys.exit(main())
