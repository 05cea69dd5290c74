"""One error and logging style: the CLI turns expected failures into one line and an
exit code, the build tells what it does, the server logs each request with its id."""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dskg.cli import main

from .conftest import SAMPLE, make_project, one_clear_line, run_dskg


@pytest.mark.slow  # two builds in processes of their own
def test_the_build_logs_each_stage_with_its_time(project):
    result = run_dskg("build", config=project, env={"DSKG_LOG_LEVEL": "info"})
    assert result.returncode == 0, result.stderr
    log = result.stderr
    for stage in ("parse", "map", "validate", "load", "dumps"):
        assert f"dskg.build: {stage} …" in log and f"dskg.build: {stage} done in" in log
    assert "read 4 entries from 1 sources (3 ok, 1 rejected)" in log
    assert "published build " in log
    quiet = run_dskg("build", "--quiet", config=project, env={"DSKG_LOG_LEVEL": "info"})
    assert quiet.returncode == 0 and "dskg.build" not in quiet.stderr


@pytest.mark.slow
def test_a_bad_slug_registry_is_one_line_and_builds_nothing(project):
    assert run_dskg("build", "-q", config=project).returncode == 0
    before = project.current_build.resolve()
    registry = project.data_dir / "slugs.csv"
    registry.write_text(registry.read_text(encoding="utf-8") + "practice,Bad Slug!,title:x\n",
                        encoding="utf-8")
    line = one_clear_line(run_dskg("build", "-q", config=project))
    assert line.startswith(f"dskg build: {registry}, row ") and "'Bad Slug!' is not a slug" in line
    assert project.current_build.resolve() == before
    assert one_clear_line(run_dskg("validate", "-q", config=project)).startswith("dskg validate: ")


@pytest.mark.parametrize("args, code, expected", [
    (("query", "--file", "/nonexistent/q.rq"), 1, "dskg query: /nonexistent/q.rq: No such file"),
    (("ingest", "/nonexistent/page.txt"), 2, "dskg ingest: no such file: /nonexistent/page.txt"),
])
def test_missing_files_are_one_line(args, code, expected, capsys):
    assert main(list(args)) == code
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(expected)


@pytest.mark.parametrize("name, value, expected", [
    ("DSKG_LOG_LEVEL", "loud", "log level 'loud' is not one of debug, info, warning, error"),
    ("DSKG_CHECK_SHARE", "1.5", "check share 1.5 is not above 0 and at most 1"),
    ("DSKG_CHECK_SHARE", "0", "check share 0.0 is not above 0 and at most 1"),
    ("DSKG_CHECK_SHARE", "half", "DSKG_CHECK_SHARE='half' is not a valid float"),
])
def test_a_bad_setting_is_one_line(name, value, expected, capsys, monkeypatch):
    monkeypatch.setenv(name, value)
    assert main(["validate"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert expected in line and name in line


@pytest.mark.slow
def test_output_closed_early_is_no_traceback(tmp_path):
    """``dskg ingest page | head`` with ``head`` already gone: every write fails."""
    reader = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE)
    reader.wait(timeout=30)
    result = subprocess.run([sys.executable, "-m", "dskg.cli", "ingest", str(SAMPLE)],
                            stdout=reader.stdin, stderr=subprocess.PIPE, text=True, timeout=60)
    reader.stdin.close()
    assert result.stderr == ""  # nobody is reading: not an error worth a message


def test_each_request_is_logged_with_its_id_and_build(sample_site, caplog):
    build_id = sample_site.app.extensions["dskg"].build.id
    with caplog.at_level(logging.INFO, logger="dskg.request"):
        given = sample_site.http.get(sample_site.url + "/health",
                                     headers={"X-Request-Id": "abc-123"})
        fresh = sample_site.http.get(sample_site.url + "/sparql", params={"query": "ASK {}"},
                                     headers={"X-Request-Id": "not ok <script>",
                                              "Accept": "application/sparql-results+json"})
    assert given.headers["X-Request-Id"] == "abc-123"
    rid = fresh.headers["X-Request-Id"]
    assert rid != "not ok <script>" and len(rid) == 16
    lines = [r.getMessage() for r in caplog.records if r.name == "dskg.request"]
    assert any("GET /health 200" in m and "id=abc-123" in m and f"build={build_id}" in m
               for m in lines)
    assert any("GET /sparql 200" in m and f"id={rid}" in m for m in lines)


def test_error_pages_per_response_family(sample_site):
    get = sample_site.http.get
    page = get(sample_site.url + "/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "<html" in page.text and "Werkzeug" not in page.text
    problem = get(sample_site.url + "/graph", params={"iri": "not an iri"})
    assert problem.status_code == 400
    assert problem.headers["Content-Type"].startswith("application/problem+json")
    assert problem.json()["detail"] == "Not an IRI: not an iri"
    protocol = get(sample_site.url + "/sparql", params={"query": "SELEKT"},
                   headers={"Accept": "application/sparql-results+json"})
    assert protocol.status_code == 400 and protocol.headers["Content-Type"].startswith(
        "text/plain")


def test_no_dskg_code_prints(tmp_path):
    """Output goes through logging; only the CLI's own modules write to the terminal."""
    root = Path(__file__).resolve().parent.parent
    printing = [str(path.relative_to(root)) for folder in ("dskg", "server")
                for path in (root / folder).rglob("*.py")
                if re.search(r"\bprint\(", path.read_text(encoding="utf-8"))
                and path.name not in ("cli.py", "query.py")]
    assert printing == []


@pytest.mark.slow
def test_a_project_copy_is_untouched_by_a_failed_command(tmp_path):
    config = make_project(tmp_path)
    shutil.rmtree(config.data_dir / "sources")
    line = one_clear_line(run_dskg("build", "-q", config=config))
    assert "holds no source pages" in line or "does not exist" in line
    assert not config.current_build.exists()


#: The flags each subcommand takes beyond -q/-v: only those that change what it does.
FLAGS = {"ingest": {"--json", "--kind", "--language", "--category", "--rate",
                    "--ontology-dir"},
         "harvest": {"--json", "--data-dir", "--var-dir"},
         "validate": {"--json", "--data-dir", "--ontology-dir", "--shapes-dir", "--base"},
         "build": {"--full", "--allow-empty", "--strict", "--data-dir", "--ontology-dir",
                   "--shapes-dir", "--base", "--var-dir"},
         "serve": {"--host", "--port", "--workers", "--query-timeout", "--result-limit",
                   "--public-url", "--base", "--var-dir"},
         "publish": {"--base", "--var-dir"},
         "query": {"--file", "--endpoint", "--format"}}


@pytest.mark.parametrize("command", sorted(FLAGS))
def test_every_subcommand_explains_itself_and_takes_only_its_flags(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    description = text.split("\n\n")[1]
    assert len(description) > 60, text  # a description, not just the usage line
    examples = text.split("examples:\n", 1)[1]
    assert f"dskg {command}" in examples or f"dskg {command}" in examples.replace("\\\n", "")
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text.split("examples:")[0]))
    assert flags - {"--help", "--quiet", "--verbose"} == FLAGS[command]


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and re.fullmatch(r"dskg \d+\.\d+\.\d+\n", capsys.readouterr().out)


@pytest.mark.slow
def test_a_build_on_a_terminal_draws_progress_bars(project):
    """Under a terminal (a pseudo-terminal here) loops of known length are bars redrawn
    in place; in a pipe they are plain log lines (the other tests' case)."""
    import os
    import pty

    environment = {**os.environ, "DSKG_DATA_DIR": str(project.data_dir),
                   "DSKG_VAR_DIR": str(project.var_dir), "DSKG_LOG_LEVEL": "info"}
    output = bytearray()

    def read(fd: int) -> bytes:
        data = os.read(fd, 4096)
        output.extend(data)
        return data

    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "dskg.cli", "build"], environment)
    try:
        while True:
            try:
                if not read(fd):
                    break
            except OSError:
                break
    finally:
        _, status = os.waitpid(pid, 0)
    text = output.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text[-2000:]
    assert re.search(r"\r  [\w ]+ \[#+\.*\] [\d,]+ of [\d,]+ \(\d+%\)", text), text[-2000:]
