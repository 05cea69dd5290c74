"""Editors' accounts (issue 24, item 1): ``dskg users``, ``dskg backup``, and signing in
on a real server (gunicorn): one-time links to set a password, CSRF tokens on every
form, session cookies' flags, a new session at sign-in, throttled guessing, and public
pages that stay cookie-free."""
from __future__ import annotations

import re
import sqlite3
from http.cookies import SimpleCookie

import pytest
import requests

from dskg.accounts import ACCOUNT_FAILURES, ADDRESS_FAILURES, AccountError, Accounts

from .conftest import make_project, one_clear_line, run_dskg
from .server_fixture import built_project, start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.gunicorn]
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    config = built_project(tmp_path_factory.mktemp("accounts"), make_project)
    running = start_server(config)
    yield running
    stop_server(running)


def users(site, *args: str) -> str:
    result = run_dskg("users", *args, config=site.config)
    assert result.returncode == 0, result.stderr
    return result.stdout


def link_of(output: str) -> str:
    return re.search(r"(/account/password\?token=[\w-]+)", output).group(1)


def form_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def add(site, handle: str, *options: str) -> str:
    """A new account with its password set through its one-time link; its handle."""
    link = link_of(users(site, "add", handle, *options))
    browser = requests.Session()
    page = browser.get(site.url + link)
    assert page.ok, page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    done = browser.post(site.url + "/account/password", data={
        "csrf_token": form_token(page.text), "token": token, "password": PASSWORD,
        "again": PASSWORD}, allow_redirects=False)
    assert done.status_code == 303, done.text
    return handle


def signed_in(site, handle: str, password: str = PASSWORD) -> requests.Session:
    browser = requests.Session()
    page = browser.get(site.url + "/account/sign-in").text
    answer = browser.post(site.url + "/account/sign-in", data={
        "csrf_token": form_token(page), "handle": handle, "password": password},
        allow_redirects=False)
    assert answer.status_code == 303, answer.text
    return browser


def test_the_command_line_adds_lists_resets_and_disables(site):
    out = users(site, "add", "maria", "--role", "contributor", "--coalition", "BG",
                "--coalition", "EL")
    assert "added maria (contributor, BGR GRC)" in out and "/account/password?token=" in out
    assert re.search(r"maria\s+contributor\s+BGR GRC\s+no password yet", users(site, "list"))
    first, second = link_of(out), link_of(users(site, "reset", "maria"))
    assert first != second
    assert requests.get(site.url + first).status_code == 400  # a newer link replaced it
    assert requests.get(site.url + second).ok
    assert "disabled maria" in users(site, "disable", "maria")
    assert re.search(r"maria\s+contributor\s+BGR GRC\s+disabled", users(site, "list"))
    assert requests.get(site.url + second).status_code == 400


@pytest.mark.parametrize("args, message, code", [
    (("add", "ivan", "--role", "contributor"), "belongs to at least one coalition", 1),
    (("add", "ivan", "--coalition", "Atlantis"), "'Atlantis' is no country", 1),
    (("add", "Ivan Petrov", "--coalition", "BG"), "use 1-64 of a-z", 1),
    (("reset", "nobody"), "no account 'nobody'", 1),
    (("disable",), "give the account's handle", 2),
])
def test_mistakes_are_one_clear_line(site, args, message, code):
    result = run_dskg("users", *args, config=site.config)
    assert message in one_clear_line(result, code)


def test_a_handle_is_taken_once(site):
    users(site, "add", "unique", "--coalition", "LU")
    result = run_dskg("users", "add", "unique", "--coalition", "LU", config=site.config)
    assert "there is an account 'unique' already" in one_clear_line(result)


def test_passwords_are_argon2id_hashes_and_never_given_on_the_command_line(site):
    add(site, "hashed", "--coalition", "BG")
    with sqlite3.connect(site.config.var.accounts) as connection:
        stored = connection.execute("SELECT password FROM account WHERE handle = 'hashed'"
                                    ).fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert "--password" not in run_dskg("users", "--help").stdout


def test_a_link_sets_a_password_once_and_checks_it(site):
    link = link_of(users(site, "add", "once", "--coalition", "BG"))
    browser = requests.Session()
    page = browser.get(site.url + link).text
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    fields = {"csrf_token": form_token(page), "token": token}
    short = browser.post(site.url + "/account/password",
                         data=fields | {"password": "short", "again": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.text
    differ = browser.post(site.url + "/account/password",
                          data=fields | {"password": PASSWORD, "again": PASSWORD + "!"})
    assert differ.status_code == 400 and "The two passwords differ" in differ.text
    done = browser.post(site.url + "/account/password",
                        data=fields | {"password": PASSWORD, "again": PASSWORD},
                        allow_redirects=False)
    assert done.status_code == 303
    again = browser.get(site.url + link)
    assert again.status_code == 400 and "not valid" in again.text
    signed_in(site, "once")


def test_every_form_post_needs_its_csrf_token(site):
    add(site, "csrf", "--coalition", "BG")
    anonymous = requests.post(site.url + "/account/sign-in",
                              data={"handle": "csrf", "password": PASSWORD})
    assert anonymous.status_code == 400 and "CSRF" in anonymous.text
    browser = requests.Session()
    browser.get(site.url + "/account/sign-in")
    forged = browser.post(site.url + "/account/sign-in", data={
        "csrf_token": "forged", "handle": "csrf", "password": PASSWORD})
    assert forged.status_code == 400 and "CSRF" in forged.text
    member = signed_in(site, "csrf")
    assert member.post(site.url + "/account/sign-out").status_code == 400  # no token
    assert member.get(site.url + "/account", allow_redirects=False).status_code == 200


def test_signing_in_starts_a_new_session_with_safe_cookie_flags(site):
    add(site, "cookie", "--coalition", "BG")
    browser = requests.Session()
    page = browser.get(site.url + "/account/sign-in")
    before = browser.cookies.get("dskg_session")
    answer = browser.post(site.url + "/account/sign-in", data={
        "csrf_token": form_token(page.text), "handle": "cookie", "password": PASSWORD},
        allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/account")
    cookie = SimpleCookie(answer.headers["Set-Cookie"])["dskg_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # served over http here; https sets it (next test)
    after = browser.cookies.get("dskg_session")
    assert before and after and before != after
    planted = requests.Session()  # the cookie from before signing in is no session
    planted.cookies.set("dskg_session", before)
    assert planted.get(site.url + "/account", allow_redirects=False).status_code == 302
    account = browser.get(site.url + "/account")
    assert account.ok and "cookie" in account.text and "contributor" in account.text
    assert account.headers["Cache-Control"] == "no-store"
    token = form_token(account.text)
    assert browser.post(site.url + "/account/sign-out", data={"csrf_token": token},
                        allow_redirects=False).status_code == 303
    assert browser.get(site.url + "/account", allow_redirects=False).status_code == 302


def test_cookies_are_secure_when_the_site_is_served_over_https(tmp_path):
    from .inprocess import start_site

    config = built_project(tmp_path / "https", make_project,
                           public_url="https://dskg.example.eu/")
    site = start_site(config)
    try:
        answer = site.http.get(site.url + "/account/sign-in")
        cookie = SimpleCookie(answer.headers["Set-Cookie"])["dskg_session"]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    finally:
        site.close()


def test_a_disabled_account_or_a_new_password_ends_every_session(site):
    add(site, "leaver", "--coalition", "BG")
    browser = signed_in(site, "leaver")
    assert browser.get(site.url + "/account", allow_redirects=False).status_code == 200
    users(site, "disable", "leaver")
    assert browser.get(site.url + "/account", allow_redirects=False).status_code == 302
    page = requests.Session()
    form = page.get(site.url + "/account/sign-in").text
    refused = page.post(site.url + "/account/sign-in", data={
        "csrf_token": form_token(form), "handle": "leaver", "password": PASSWORD})
    assert refused.status_code == 401


def test_guessing_is_throttled_per_account_and_counted(site):
    add(site, "target", "--coalition", "BG")
    browser = requests.Session()
    form = form_token(browser.get(site.url + "/account/sign-in").text)
    for attempt in range(ACCOUNT_FAILURES):
        wrong = browser.post(site.url + "/account/sign-in", data={
            "csrf_token": form, "handle": "target", "password": f"wrong guess {attempt}"})
        assert wrong.status_code == 401 and "wrong" in wrong.text
    accounts = Accounts(site.config.var.accounts)
    assert accounts.failures("account", "target") == ACCOUNT_FAILURES
    right = browser.post(site.url + "/account/sign-in", data={
        "csrf_token": form, "handle": "target", "password": PASSWORD})
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in right.text


def test_guessing_across_accounts_is_throttled_per_address(tmp_path):
    """Another server (its own count): one address trying many handles is stopped too."""
    config = built_project(tmp_path / "address", make_project)
    running = start_server(config)
    try:
        browser = requests.Session()
        form = form_token(browser.get(running.url + "/account/sign-in").text)
        codes = [browser.post(running.url + "/account/sign-in", data={
            "csrf_token": form, "handle": f"user{n}", "password": "not a password at all"}
        ).status_code for n in range(ADDRESS_FAILURES + 1)]
        assert codes == [401] * ADDRESS_FAILURES + [429]
        accounts = Accounts(config.var.accounts)
        assert accounts.failures("address", "v4-127.0.0.1") == ADDRESS_FAILURES
    finally:
        stop_server(running)


def test_after_signing_in_only_this_sites_paths_are_followed(site):
    add(site, "redirect", "--coalition", "BG")
    browser = requests.Session()
    for target, expected in (("/browse/practice", "/browse/practice"),
                             ("https://evil.example/", "/account"),
                             ("//evil.example/", "/account"), ("/\\evil.example", "/account")):
        page = browser.get(site.url + "/account/sign-in", params={"next": target}).text
        answer = browser.post(site.url + "/account/sign-in", data={
            "csrf_token": form_token(page), "handle": "redirect", "password": PASSWORD,
            "next": target}, allow_redirects=False)
        assert answer.headers["Location"] == expected, target


def test_markup_in_what_a_visitor_types_is_shown_as_text(site):
    attack = '"><script>alert(1)</script>'
    browser = requests.Session()
    page = browser.get(site.url + "/account/sign-in", params={"next": attack}).text
    answer = browser.post(site.url + "/account/sign-in", data={
        "csrf_token": form_token(page), "handle": attack, "password": "whatever it is",
        "next": attack})
    assert answer.status_code == 401
    assert "<script>alert(1)" not in page and "<script>alert(1)" not in answer.text
    assert "&#34;&gt;&lt;script&gt;" in answer.text


def test_public_pages_set_no_cookie_and_stay_cacheable(site):
    for path in ("/", "/browse/practice", "/doc/practice/digital-skills-partnership",
                 "/sparql?query=ASK%7B%7D"):
        answer = requests.get(site.url + path)
        assert answer.ok and "Set-Cookie" not in answer.headers, path
    assert requests.get(site.url + "/account", allow_redirects=False).status_code == 302


def test_a_backup_holds_every_account_while_the_server_runs(site, tmp_path):
    add(site, "kept", "--coalition", "BG")
    result = run_dskg("backup", str(tmp_path / "backups"), config=site.config)
    assert result.returncode == 0, result.stderr
    copy = next((tmp_path / "backups").glob("dskg-backup-*/accounts.sqlite"))
    kept = Accounts(copy)
    assert kept.get("kept").has_password and kept.sign_in("kept", PASSWORD) is not None
    with pytest.raises(AccountError):
        kept.get("nobody")


def test_a_person_chooses_to_be_named_in_provenance_by_a_pseudonym(site):
    add(site, "consent", "--coalition", "BG")
    browser = signed_in(site, "consent")
    page = browser.get(site.url + "/account").text
    assert "name no one in their provenance" in page
    assert browser.post(site.url + "/account/naming", data={"named": "yes"}).status_code \
        == 400  # no CSRF token
    assert not Accounts(site.config.var.accounts).get("consent").named
    agreed = browser.post(site.url + "/account/naming", data={
        "csrf_token": form_token(page), "named": "yes"}, allow_redirects=False)
    assert agreed.status_code == 303
    account = Accounts(site.config.var.accounts).get("consent")
    assert account.named and account.pseudonym and "consent" not in account.pseudonym
    page = browser.get(site.url + "/account").text
    assert f"/id/editor/{account.pseudonym}" in page
    assert requests.post(site.url + "/account/naming", data={"named": "no"}).status_code \
        in (400, 401)  # nobody signed in
    browser.post(site.url + "/account/naming", data={
        "csrf_token": form_token(page), "named": "no"})
    assert not Accounts(site.config.var.accounts).get("consent").named
