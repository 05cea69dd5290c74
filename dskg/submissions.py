"""Practices submitted on the site, their review, and the audit log of it.

A submission holds what its form holds — the title and language, the parts of the
description (:data:`dskg.fields.PROSE`), and the fields a page can fill
(:data:`dskg.fields.PAGE_FIELDS`), by the same names ``dskg ingest --json`` uses — and
moves through these states:

    draft → submitted → approved | rejected (with a reason) ; draft | submitted → withdrawn

A contributor drafts, submits and withdraws their own submissions, for a coalition they
belong to; a curator approves or rejects the submitted ones of their coalitions; an
admin may do either anywhere. Nobody reads another's draft. Every approval and
rejection, and every other change, is a line of the audit log (who, what, when).

Approved submissions are an input of the build: :func:`Submissions.export` writes them
to the ``editorial`` source's file (:mod:`dskg.ingest.editorial` reads it), and the next
build, incremental like any other, takes them live. Rejected and withdrawn ones never
reach the graph. The database (``var/submissions.sqlite``, WAL) is no build's and is
kept by ``dskg backup``; a submission's id is random, so ids cannot be guessed.
"""
from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dskg.accounts import Account
from dskg.artefact.lifecycle import exclusive
from dskg.database import Database
from dskg.errors import DskgError
from dskg.formats import GRAPH_FORMATS

STATES = ("draft", "submitted", "approved", "rejected", "withdrawn")
#: action → (the states it leaves, the state it reaches).
ACTIONS = {"submit": (("draft",), "submitted"), "approve": (("submitted",), "approved"),
           "reject": (("submitted",), "rejected"),
           "withdraw": (("draft", "submitted"), "withdrawn")}
#: The actions that review a submission (the others are its author's).
REVIEWS = ("approve", "reject")
#: Characters a submission's fields may hold in all (a form is a page, not a book).
MAX_SIZE = 100_000
#: The media types a program may submit a practice in (``POST /submissions``).
SUBMISSION_MEDIA = tuple(GRAPH_FORMATS[name].media for name in ("jsonld", "turtle", "ntriples"))

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS submission (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, practice TEXT, coalition TEXT NOT NULL,
    author INTEGER NOT NULL, author_handle TEXT NOT NULL, state TEXT NOT NULL,
    fields TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL,
    reviewer TEXT, reviewer_role TEXT, reason TEXT, statements TEXT);
CREATE TABLE IF NOT EXISTS audit (
    number INTEGER PRIMARY KEY, at TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
    action TEXT NOT NULL, submission TEXT NOT NULL, detail TEXT NOT NULL);
"""


class SubmissionError(DskgError):
    """A submission that cannot be stored or a change that cannot be made; says why."""


class NotAllowed(SubmissionError):
    """The account may not do this (or see this submission)."""


@dataclass(frozen=True)
class Submission:
    id: str
    #: ``new`` (a practice to add) or ``correction`` (of the published ``practice``).
    kind: str
    practice: str | None
    #: The coalition (ISO 3166-1 alpha-3) it is for: whose curators review it.
    coalition: str
    author: int
    author_handle: str
    state: str
    fields: dict[str, Any]
    created: str
    updated: str
    reviewer: str | None
    reviewer_role: str | None
    reason: str | None
    #: For a checked correction: the statements it would publish about its practice,
    #: as :meth:`dskg.ingest.editorial.Checker.check` gives them (the diff is read
    #: against what the practice says when it is shown).
    statements: list[dict[str, Any]] | None = None

    @property
    def title(self) -> str:
        return str(self.fields.get("title") or "")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Submissions(Database):
    """The submissions database."""

    def __init__(self, path: Path):
        super().__init__(path, SCHEMA_SQL)
        with self._connect() as connection:  # a database made before corrections were
            columns = {row[1] for row in connection.execute("PRAGMA table_info(submission)")}
            if "statements" not in columns:
                connection.execute("ALTER TABLE submission ADD COLUMN statements TEXT")

    def create(self, account: Account, coalition: str, fields: dict[str, Any],
               submit: bool, practice: str | None = None,
               statements: list[dict[str, Any]] | None = None) -> Submission:
        """A new submission by ``account`` (a draft, or submitted at once); with
        ``practice``, a correction of that published practice."""
        if not account.belongs_to(coalition):
            raise NotAllowed(f"{account.handle} does not belong to the coalition {coalition}")
        text = json.dumps(fields, ensure_ascii=False, sort_keys=True)
        if len(text) > MAX_SIZE:
            raise SubmissionError(f"the submission is larger than {MAX_SIZE:,} characters")
        number, when = secrets.token_urlsafe(12), _now()
        state = "submitted" if submit else "draft"
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO submission (id, kind, practice, coalition, author, author_handle,"
                " state, fields, created, updated, statements)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (number, "correction" if practice else "new", practice, coalition, account.id,
                 account.handle, state, text, when, when, _json(statements)))
            _audit(connection, account, "create" if not submit else "submit", number,
                   f"{state}: {fields.get('title', '')}")
        return self._get(number)

    def _get(self, number: str) -> Submission:
        with self._connect() as connection:
            row = connection.execute(f"SELECT {COLUMNS} FROM submission WHERE id = ?",
                                     (number,)).fetchone()
        if row is None:
            raise SubmissionError(f"no submission {number!r}")
        return _submission(row)

    def get(self, number: str, account: Account) -> Submission:
        """A submission ``account`` may see; another's draft, or another coalition's
        submission, is no submission to them (the same answer as one that does not exist)."""
        try:
            found = self._get(number)
        except SubmissionError:
            raise NotAllowed(f"no submission {number!r}") from None
        if not may_see(account, found):
            raise NotAllowed(f"no submission {number!r}")
        return found

    def visible(self, account: Account) -> list[Submission]:
        """What ``account`` may see, the newest first: its own, and for a curator the
        non-draft submissions of its coalitions (all of them for an admin)."""
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT {COLUMNS} FROM submission ORDER BY updated DESC, id").fetchall()
        return [s for s in map(_submission, rows) if may_see(account, s)]

    def act(self, number: str, account: Account, action: str, reason: str = "",
            statements: list[dict[str, Any]] | None = None) -> Submission:
        """Submit, approve, reject (with a reason) or withdraw, if ``account`` may; a
        correction is submitted with the ``statements`` its check gave."""
        found = self.get(number, account)
        if action not in ACTIONS:
            raise SubmissionError(f"unknown action {action!r}")
        leaves, reaches = ACTIONS[action]
        if found.state not in leaves:
            raise SubmissionError(f"a submission that is {found.state} cannot be {reaches}")
        if action not in allowed_actions(account, found):
            raise NotAllowed(f"{account.handle} may not {action} this submission")
        if action == "reject" and not reason.strip():
            raise SubmissionError("say why it is rejected: the contributor reads it")
        reviewing = action in REVIEWS
        with self._connect() as connection:
            changed = connection.execute(
                "UPDATE submission SET state = ?, updated = ?, reviewer = ?, reviewer_role = ?,"
                " reason = ?, statements = ? WHERE id = ? AND state = ?",
                (reaches, _now(), account.handle if reviewing else found.reviewer,
                 account.role if reviewing else found.reviewer_role,
                 reason.strip() or found.reason,
                 _json(statements) if statements is not None else _json(found.statements),
                 number, found.state))
            if changed.rowcount != 1:
                raise SubmissionError("the submission changed meanwhile: look at it again")
            _audit(connection, account, action, number, reason.strip() or found.title)
        return self._get(number)

    def approved(self) -> list[Submission]:
        with self._connect() as connection:
            rows = connection.execute(f"SELECT {COLUMNS} FROM submission WHERE state = "
                                      "'approved' ORDER BY created, id").fetchall()
        return [_submission(row) for row in rows]

    def audit_log(self, account: Account) -> list[dict[str, str]]:
        if account.role != "admin":
            raise NotAllowed("only admins read the audit log")
        with self._connect() as connection:
            rows = connection.execute("SELECT at, account, role, action, submission, detail "
                                      "FROM audit ORDER BY number DESC").fetchall()
        return [dict(zip(("at", "account", "role", "action", "submission", "detail"), row))
                for row in rows]

    def export(self, path: Path, editors: Mapping[int, str] | None = None) -> bool:
        """Write the approved submissions where the ``editorial`` source reads them (in
        place, atomically); return whether the file changed (unchanged content leaves
        it as it is, so a build sees no change). ``editors`` holds the pseudonym of each
        author who agreed to be named (:meth:`dskg.accounts.Accounts.named_editors`);
        no other trace of an account leaves the database."""
        editors = editors or {}
        approved = [{"id": s.id, "kind": s.kind, "practice": s.practice,
                     "coalition": s.coalition, "approved": s.updated,
                     "approved_by_role": s.reviewer_role, "fields": s.fields,
                     **({"editor": editors[s.author]} if s.author in editors else {})}
                    for s in self.approved()]
        text = json.dumps({"submissions": approved}, ensure_ascii=False, indent=1,
                          sort_keys=True) + "\n"
        if path.exists() and path.read_text(encoding="utf-8") == text:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{secrets.token_hex(4)}")
        with partial.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
        return True


def publish_lock(folder: Path) -> AbstractContextManager[None]:
    """One ``dskg submission publish`` at a time: a second waits, then finds the
    approvals of the first live already or builds its own."""
    return exclusive(folder / ".publish.lock", "another publish of the approved submissions")


def allowed_actions(account: Account, submission: Submission) -> list[str]:
    """What ``account`` may do with ``submission`` now: its author submits and withdraws
    it, a reviewer of its coalition approves or rejects it."""
    return [action for action, (leaves, _) in ACTIONS.items() if submission.state in leaves
            and (account.may_review(submission.coalition) if action in REVIEWS
                 else submission.author == account.id)]


def may_see(account: Account, submission: Submission) -> bool:
    if submission.author == account.id or account.role == "admin":
        return True
    return submission.state != "draft" and account.may_review(submission.coalition)


def _audit(connection: sqlite3.Connection, account: Account, action: str, number: str,
           detail: str) -> None:
    connection.execute("INSERT INTO audit (at, account, role, action, submission, detail) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (_now(), account.handle, account.role, action, number, detail[:500]))


COLUMNS = ("id, kind, practice, coalition, author, author_handle, state, fields, created, "
           "updated, reviewer, reviewer_role, reason, statements")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _submission(row: tuple) -> Submission:
    values = list(row)
    values[7] = json.loads(values[7])
    values[13] = json.loads(values[13]) if values[13] else None
    return Submission(*values)
