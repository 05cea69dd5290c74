"""The editors' accounts: who may submit, review and administer practices on the site.

Accounts live in one SQLite database under the var folder (``var/accounts.sqlite``),
never in a build and never published: the public graph names an editor only by a
pseudonymous account IRI, and only if the account agreed to be named. The CLI (``dskg
users …``) manages them; the site (:mod:`server.views.account`) signs people in.

- **Roles.** A *contributor* submits practices for their coalitions; a *curator*
  approves or rejects submissions for theirs; an *admin* does anything anywhere and
  reads the audit log. A coalition is a national one, named by its country's ISO 3166-1
  alpha-3 code (``BGR``), as the graph names countries.
- **Passwords** are hashed with Argon2id (argon2-cffi, its default parameters), and a
  hash made with older parameters is renewed at the next sign-in. Nobody chooses a
  password on the command line: ``dskg users add`` and ``dskg users reset`` print a
  one-time link (a random token, kept only as its SHA-256, valid for a day) with which
  the person sets it on the site. No mail server is needed.
- **API tokens** (``dskg users token``) let a program submit as the account; each is
  kept only as its SHA-256 and is valid until ``dskg users revoke`` (or ``disable``).
- **Throttling.** Failed sign-ins are counted per account and per client address; past
  :data:`ACCOUNT_FAILURES` or :data:`ADDRESS_FAILURES` in :data:`WINDOW` seconds, sign-in
  is refused until the oldest counted failure is that old.

The database runs in WAL mode, so a server killed mid-write loses nothing committed.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pycountry
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dskg.database import Database
from dskg.errors import DskgError

ROLES = ("contributor", "curator", "admin")
#: Failed sign-ins counted per account and per address, and over how many seconds.
ACCOUNT_FAILURES, ADDRESS_FAILURES, WINDOW = 5, 20, 900
#: How long a set-password link stays valid (seconds).
TOKEN_LIFETIME = 86_400
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
#: Handles are short and plain: they appear in the audit log and in URLs.
HANDLE_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS account (
    id INTEGER PRIMARY KEY, handle TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    coalitions TEXT NOT NULL, password TEXT, disabled INTEGER NOT NULL DEFAULT 0,
    named INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, session TEXT NOT NULL,
    pseudonym TEXT);
CREATE TABLE IF NOT EXISTS token (
    digest TEXT PRIMARY KEY, account INTEGER NOT NULL REFERENCES account(id),
    expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failure (kind TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS api_token (
    digest TEXT PRIMARY KEY, account INTEGER NOT NULL REFERENCES account(id),
    created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS failure_key ON failure (kind, key, at);
"""


#: The EU's own two-letter codes that ISO 3166-1 spells otherwise.
EU_CODES = {"EL": "GR", "UK": "GB"}


class AccountError(DskgError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class Account:
    id: int
    handle: str
    role: str
    #: The coalitions (ISO 3166-1 alpha-3) the account belongs to.
    coalitions: tuple[str, ...]
    disabled: bool
    #: The account agreed to be named (by its account IRI) in provenance.
    named: bool
    created: str
    #: Changes when the password does: a session signed in before is no longer valid.
    session: str
    has_password: bool
    #: Random, made once: the account's IRI in provenance is ``id/editor/<pseudonym>``,
    #: which says nothing of the person (nor of how many accounts there are).
    pseudonym: str = ""

    def may_review(self, coalition: str) -> bool:
        return self.role == "admin" or (self.role == "curator" and coalition in self.coalitions)

    def belongs_to(self, coalition: str) -> bool:
        return self.role == "admin" or coalition in self.coalitions


def coalition_code(text: str) -> str:
    """A coalition as given (``BG``, ``BGR``, ``Bulgaria``; the EU's ``EL`` too) as its
    alpha-3 code."""
    given = text.strip()
    try:
        return str(pycountry.countries.lookup(EU_CODES.get(given.upper(), given)).alpha_3)
    except LookupError:
        raise AccountError(f"{text!r} is no country (give its ISO code, e.g. BG or "
                           "BGR)") from None


class Accounts(Database):
    """The account database."""

    def __init__(self, path: Path):
        super().__init__(path, SCHEMA_SQL)
        self.hasher = PasswordHasher()
        with self._connect() as connection:  # a database made before pseudonyms were
            columns = {row[1] for row in connection.execute("PRAGMA table_info(account)")}
            if "pseudonym" not in columns:
                connection.execute("ALTER TABLE account ADD COLUMN pseudonym TEXT")
            for (number,) in connection.execute(
                    "SELECT id FROM account WHERE pseudonym IS NULL").fetchall():
                connection.execute("UPDATE account SET pseudonym = ? WHERE id = ?",
                                   (secrets.token_hex(8), number))

    # ------------------------------------------------------------ managing (the CLI)

    def add(self, handle: str, role: str, coalitions: list[str], named: bool = False
            ) -> tuple[Account, str]:
        """A new account without a password, and the one-time token to set it with."""
        handle = handle.strip().lower()
        if not handle or not set(handle) <= HANDLE_CHARACTERS or len(handle) > 64:
            raise AccountError(f"handle {handle!r}: use 1-64 of a-z, 0-9, '-', '_', '.'")
        if role not in ROLES:
            raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")
        codes = tuple(sorted({coalition_code(c) for c in coalitions}))
        if role != "admin" and not codes:
            raise AccountError(f"a {role} belongs to at least one coalition (--coalition BG)")
        with self._connect() as connection:
            try:
                connection.execute(
                    "INSERT INTO account (handle, role, coalitions, named, created, session,"
                    " pseudonym) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (handle, role, " ".join(codes), int(named),
                     datetime.now(UTC).isoformat(timespec="seconds"), secrets.token_hex(16),
                     secrets.token_hex(8)))
            except sqlite3.IntegrityError:
                raise AccountError(f"there is an account {handle!r} already") from None
        return self.get(handle), self.reset(handle)

    def all(self) -> list[Account]:
        with self._connect() as connection:
            return [_account(row) for row in connection.execute(
                f"SELECT {COLUMNS} FROM account ORDER BY handle")]

    def get(self, handle: str) -> Account:
        found = self.find(handle)
        if found is None:
            raise AccountError(f"no account {handle!r}")
        return found

    def find(self, handle: str) -> Account | None:
        with self._connect() as connection:
            row = connection.execute(f"SELECT {COLUMNS} FROM account WHERE handle = ?",
                                     (handle.strip().lower(),)).fetchone()
        return _account(row) if row else None

    def by_id(self, number: int) -> Account | None:
        with self._connect() as connection:
            row = connection.execute(f"SELECT {COLUMNS} FROM account WHERE id = ?",
                                     (number,)).fetchone()
        return _account(row) if row else None

    def set_named(self, handle: str, named: bool) -> Account:
        """Whether the person agrees to be named in provenance (by the account's
        pseudonymous IRI): they may change their mind, and the next publish follows."""
        account = self.get(handle)
        with self._connect() as connection:
            connection.execute("UPDATE account SET named = ? WHERE id = ?",
                               (int(named), account.id))
        return self.get(handle)

    def named_editors(self) -> dict[int, str]:
        """Account id → pseudonym, of the accounts that agreed to be named."""
        return {account.id: account.pseudonym for account in self.all() if account.named}

    def disable(self, handle: str) -> Account:
        """Sign the account out everywhere and refuse it from now on."""
        account = self.get(handle)
        with self._connect() as connection:
            connection.execute("UPDATE account SET disabled = 1, session = ? WHERE id = ?",
                               (secrets.token_hex(16), account.id))
            connection.execute("DELETE FROM token WHERE account = ?", (account.id,))
            connection.execute("DELETE FROM api_token WHERE account = ?", (account.id,))
        return self.get(handle)

    def new_api_token(self, handle: str) -> str:
        """A token for programs to submit as this account with (``Authorization: Bearer
        …``); kept only as its SHA-256, valid until revoked."""
        account = self.get(handle)
        if account.disabled:
            raise AccountError(f"account {account.handle!r} is disabled")
        token = "dskg_" + secrets.token_urlsafe(32)
        with self._connect() as connection:
            connection.execute("INSERT INTO api_token VALUES (?, ?, ?)",
                               (_digest(token), account.id,
                                datetime.now(UTC).isoformat(timespec="seconds")))
        return token

    def revoke_api_tokens(self, handle: str) -> int:
        """Void every API token of the account; return how many there were."""
        account = self.get(handle)
        with self._connect() as connection:
            return connection.execute("DELETE FROM api_token WHERE account = ?",
                                      (account.id,)).rowcount

    def api_account(self, token: str) -> Account | None:
        """The enabled account an API token is for, if it is one."""
        with self._connect() as connection:
            row = connection.execute("SELECT account FROM api_token WHERE digest = ?",
                                     (_digest(token),)).fetchone()
        account = self.by_id(row[0]) if row else None
        return account if account is not None and not account.disabled else None

    def reset(self, handle: str) -> str:
        """A new one-time token to set the account's password with (earlier ones are
        void); a disabled account gets none."""
        account = self.get(handle)
        if account.disabled:
            raise AccountError(f"account {account.handle!r} is disabled")
        token = secrets.token_urlsafe(32)
        with self._connect() as connection:
            connection.execute("DELETE FROM token WHERE account = ?", (account.id,))
            connection.execute("INSERT INTO token VALUES (?, ?, ?)",
                               (_digest(token), account.id, time.time() + TOKEN_LIFETIME))
        return token

    # ------------------------------------------------------------ signing in (the site)

    def token_account(self, token: str) -> Account | None:
        """The account a set-password token is for, if it is valid."""
        with self._connect() as connection:
            row = connection.execute("SELECT account FROM token WHERE digest = ? AND "
                                     "expires > ?", (_digest(token), time.time())).fetchone()
        account = self.by_id(row[0]) if row else None
        return account if account is not None and not account.disabled else None

    def set_password(self, token: str, password: str) -> Account:
        """Use a token once: set the password and end every earlier session."""
        account = self.token_account(token)
        if account is None:
            raise AccountError("this link is not valid (used, expired or replaced): ask "
                               "for a new one")
        check_password(password, account.handle)
        with self._connect() as connection:
            used = connection.execute("DELETE FROM token WHERE digest = ?", (_digest(token),))
            if used.rowcount != 1:  # another request used it first
                raise AccountError("this link has just been used")
            connection.execute("UPDATE account SET password = ?, session = ? WHERE id = ?",
                               (self.hasher.hash(password), secrets.token_hex(16), account.id))
        return self.get(account.handle)

    def sign_in(self, handle: str, password: str) -> Account | None:
        """The account if the password is its own and it is enabled, else None (the
        same for every reason, so a guess learns nothing). Renews an old hash."""
        with self._connect() as connection:
            row = connection.execute("SELECT id, password, disabled FROM account WHERE "
                                     "handle = ?", (handle.strip().lower(),)).fetchone()
        if row is None or row[1] is None or row[2]:
            self._spend_time(password)
            return None
        try:
            self.hasher.verify(row[1], password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if self.hasher.check_needs_rehash(row[1]):
            with self._connect() as connection:
                connection.execute("UPDATE account SET password = ? WHERE id = ?",
                                   (self.hasher.hash(password), row[0]))
        return self.by_id(row[0])

    def _spend_time(self, password: str) -> None:
        """As long as a real check, so that timing does not tell which handles exist."""
        self.hasher.hash(password[:MAX_PASSWORD] or "x")

    def failed(self, handle: str, address: str) -> None:
        now = time.time()
        with self._connect() as connection:
            connection.executemany("INSERT INTO failure VALUES (?, ?, ?)",
                                   [("account", handle.strip().lower(), now),
                                    ("address", address, now)])
            connection.execute("DELETE FROM failure WHERE at < ?", (now - WINDOW,))

    def failures(self, kind: str, key: str) -> int:
        """Failed sign-ins counted now for an account or address."""
        with self._connect() as connection:
            return int(connection.execute(
                "SELECT COUNT(*) FROM failure WHERE kind = ? AND key = ? AND at >= ?",
                (kind, key, time.time() - WINDOW)).fetchone()[0])

    def throttled(self, handle: str, address: str) -> int:
        """Seconds until a sign-in of ``handle`` from ``address`` is allowed (0: now)."""
        wait = 0.0
        with self._connect() as connection:
            for kind, key, limit in (("account", handle.strip().lower(), ACCOUNT_FAILURES),
                                     ("address", address, ADDRESS_FAILURES)):
                times = [at for (at,) in connection.execute(
                    "SELECT at FROM failure WHERE kind = ? AND key = ? AND at >= ? "
                    "ORDER BY at DESC LIMIT ?", (kind, key, time.time() - WINDOW, limit))]
                if len(times) >= limit:
                    wait = max(wait, times[-1] + WINDOW - time.time())
        return max(0, int(wait + 0.999))

def secret_key(path: Path) -> bytes:
    """The site's signing key, read from ``path`` or made there once (readable by its
    owner only), so that every worker and every restart signs alike."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{secrets.token_hex(4)}")
        partial.write_bytes(secrets.token_bytes(32))
        partial.chmod(0o600)
        try:
            os.link(partial, path)  # fails if another worker made it first: keep theirs
        except FileExistsError:
            pass
        finally:
            partial.unlink(missing_ok=True)
    return path.read_bytes()


COLUMNS = ("id, handle, role, coalitions, disabled, named, created, session, password, "
           "pseudonym")


def _account(row: tuple) -> Account:
    (number, handle, role, coalitions, disabled, named, created, session, password,
     pseudonym) = row
    return Account(number, handle, role, tuple(coalitions.split()), bool(disabled),
                   bool(named), created, session, password is not None, pseudonym or "")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str, handle: str) -> None:
    """Long enough, not absurdly long, and not the handle."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password has at most {MAX_PASSWORD} characters")
    if handle.lower() in password.lower():
        raise AccountError("a password does not contain the account's handle")
