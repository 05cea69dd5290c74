"""Signing in and out, and setting a password with a one-time link: ``/account/…``.

The accounts are :mod:`dskg.accounts`'s; this module is the site's side of them.
Sessions are Flask-Login's in Flask's signed session cookie (``HttpOnly``,
``SameSite=Lax``, ``Secure`` when the site is served over https), signed with the var
folder's key so every worker reads them; the session holds the account and a stamp
that changes with its password and when it is disabled, so either ends every session
at once. Signing in starts a new session (no identifier chosen before survives it).
Every form carries Flask-WTF's CSRF token. Failed sign-ins are counted per account and
per client address (the admission layer's client identity) and refused, 429, past
their limits. Nothing here is cached, and no public page reads the session, so those
stay cacheable and set no cookie.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from dskg.accounts import Account, AccountError, Accounts, secret_key
from dskg.config import Config
from dskg.messages import N_
from server.commands import publish_later
from server.i18n import _
from server.site import site
from server.sparql.admission import client_key

blueprint = Blueprint("account", __name__, url_prefix="/account")
#: The roles' names on pages (:data:`dskg.accounts.ROLES`).
ROLE_NAMES = {"contributor": N_("contributor"), "curator": N_("curator"), "admin": N_("admin")}
csrf = CSRFProtect()
SESSION_COOKIE = "dskg_session"


class SignedIn(UserMixin):
    """Flask-Login's user: an account, with the stamp its session was made with."""

    def __init__(self, account: Account):
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}:{self.account.session}"


def accounts() -> Accounts:
    found: Accounts = current_app.extensions["dskg_accounts"]
    return found


def init_app(app: Flask, config: Config) -> None:
    """Sessions, sign-in and CSRF protection for ``app``; the programs' POST routes
    (the reconciliation service's form batches) carry no session and are exempt."""
    app.secret_key = secret_key(config.var.secret_key)
    secure = (config.public_url or config.base).startswith("https://")
    app.config.update(SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
                      REMEMBER_COOKIE_SECURE=secure, REMEMBER_COOKIE_HTTPONLY=True,
                      WTF_CSRF_SSL_STRICT=secure)
    app.extensions["dskg_accounts"] = Accounts(config.var.accounts)
    manager = LoginManager(app)
    manager.session_protection = "strong"
    manager.login_view = "account.sign_in"
    manager.login_message = ""
    manager.user_loader(_load)
    csrf.init_app(app)


def _load(user_id: str) -> SignedIn | None:
    number, _colon, stamp = user_id.partition(":")
    account = accounts().by_id(int(number)) if number.isdigit() else None
    if account is None or account.disabled or account.session != stamp:
        return None
    return SignedIn(account)


@blueprint.after_request
def private(response: Response) -> Response:
    """What an account's pages show is theirs alone: never kept by any cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _local(target: str | None) -> str:
    """Where to go after signing in: a path of this site only, never another site."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("account.overview")


@blueprint.get("")
def overview() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("account.sign_in", next=request.path))
    account = current_user.account
    return render_template("account.html", account=account, role=_(ROLE_NAMES[account.role]),
                           editor_iri=site().ns.iri(f"id/editor/{account.pseudonym}"))


@blueprint.post("/naming")
def naming() -> ResponseReturnValue:
    """Whether the person agrees to be named in the provenance of the practices they
    submitted (by the account's pseudonymous IRI, never by handle); the approved
    practices follow at once, through a publish."""
    if not current_user.is_authenticated:
        abort(401, description=_("Sign in first."))
    named = request.form.get("named") == "yes"
    if named != current_user.account.named:
        accounts().set_named(current_user.account.handle, named)
        publish_later()
    return redirect(url_for("account.overview"), 303)


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    target = request.values.get("next")
    if request.method == "GET":
        return render_template("account_sign_in.html", next=target, handle="")
    handle = request.form.get("handle", "").strip()
    password = request.form.get("password", "")
    if not handle or not password:
        return render_template("account_sign_in.html", next=target, handle=handle,
                               error=_("Give your handle and your password.")), 400
    address = client_key(request.remote_addr or "")
    wait = accounts().throttled(handle, address)
    if wait:
        page = render_template("account_sign_in.html", next=target, handle=handle,
                               error=_("Too many failed sign-ins: try again in %(num)s "
                                       "seconds.", num=wait))
        return page, 429, {"Retry-After": str(wait)}
    account = accounts().sign_in(handle, password)
    if account is None:
        accounts().failed(handle, address)
        return render_template("account_sign_in.html", next=target, handle=handle,
                               error=_("The handle or the password is wrong.")), 401
    session.clear()  # a session made before signing in is not the signed-in one
    login_user(SignedIn(account))
    return redirect(_local(target), 303)


@blueprint.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    logout_user()
    session.clear()
    return redirect(url_for("home.home"), 303)


@blueprint.route("/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    """Set a password with the one-time link ``dskg users add|reset`` printed."""
    token = request.values.get("token", "")
    account = accounts().token_account(token) if token else None
    if account is None:
        abort(400, description=_("This link to set a password is not valid: it was used, "
                                 "it expired or a newer one replaced it. Ask an "
                                 "administrator for a new one."))
    if request.method == "GET":
        return render_template("account_password.html", token=token, account=account)
    chosen, again = request.form.get("password", ""), request.form.get("again", "")
    error = None
    if chosen != again:
        error = _("The two passwords differ.")
    else:
        try:
            accounts().set_password(token, chosen)
        except AccountError as problem:
            error = str(problem)
    if error:
        return render_template("account_password.html", token=token, account=account,
                               error=error), 400
    logout_user()
    session.clear()
    return redirect(url_for("account.sign_in", done="password"), 303)
