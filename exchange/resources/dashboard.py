"""``/admin``: the supervision dashboard, its login and logout, its forms that hide and show
public suggestions and add and remove best bets, and its stylesheet.

No session: ``GET /admin`` sends the browser to ``/admin/login``, whose form posts the key
once; the answer sets the session cookie (:mod:`exchange.dashboard.session`) and goes back
to ``/admin``. The pages hold no script at all.
"""

import logging
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, NotRequired, TypedDict

import falcon

from exchange.best_bets import BestBets, pin
from exchange.dashboard.overview import gather
from exchange.dashboard.page import dashboard_page, login_page, refused_page
from exchange.dashboard.session import COOKIE, LIFETIME, Sessions
from exchange.declaring import FORM, HTML, Answer, Body, declare
from exchange.errors import Forbidden, InvalidInput, NotFound, TooLarge, Unauthorized, ZhanqunError
from exchange.json_schema import Date
from exchange.numbers import whole_number
from exchange.popular import PopularQueries
from exchange.resources.inputs import read_body
from exchange.store import Store
from exchange.store.best_bets import remove_best_bet
from exchange.store.hidden_suggestions import hide_suggestion, show_suggestion
from exchange.store.keys import ApiKey
from exchange.supervision.rules import Rules
from indexer.engine.generations import Generations

log = logging.getLogger("zhanqun")

# The Content-Security-Policy of every HTML page (no script but /embed.js, no inline style)
# comes from exchange.pages.security; the dashboard adds that it is never framed or cached.
PAGE_HEADERS = {"X-Frame-Options": "DENY", "Cache-Control": "no-store"}
MAX_FORM_BYTES = 4096
ONWARD = Answer("On to the dashboard, or to the login page without a session")
CSS = "text/css"


class SuggestionsForm(TypedDict):
    """The fields the suggestions form posts, and the only ones read."""

    action: Literal["hide", "show"]
    text: Annotated[str, "the suggestion"]
    reason: NotRequired[Annotated[str, "why it is hidden"]]


class BestBetForm(TypedDict):
    """The fields the best-bets form posts, and the only ones read."""

    action: Literal["add", "remove"]
    query: NotRequired[Annotated[str, "add: the query"]]
    record: NotRequired[Annotated[str, "add: the record pinned, SITE/ID"]]
    applies: NotRequired[Literal["cluster", "site", "branch"]]
    site: NotRequired[Annotated[str, "add: the site or branch it applies to"]]
    expires: NotRequired[Annotated[Date, "add: its last day"]]
    note: NotRequired[str]
    id: NotRequired[Annotated[str, "remove: the best bet's number"]]


class LoginForm(TypedDict):
    key: Annotated[str, "a cluster key with the admin scope"]


def _html(resp: falcon.Response, page: str, status: str = falcon.HTTP_200) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_HTML
    resp.text = page
    resp.set_headers(PAGE_HEADERS)


def _redirect(resp: falcon.Response, location: str) -> None:
    resp.status = falcon.HTTP_303
    resp.location = location
    resp.set_headers(PAGE_HEADERS)


def _same_origin(req: falcon.Request) -> None:
    """A form post must come from this host's own pages (a second guard beside SameSite)."""
    origin = req.get_header("Origin")
    if origin is not None and origin.split("://", 1)[-1] != req.get_header("Host"):
        raise falcon.HTTPForbidden(description="the form must be sent from this site's pages")


def _signed_in(req: falcon.Request, resp: falcon.Response, sessions: Sessions) -> ApiKey | None:
    """The key of the session posting a dashboard form from this host's pages; None (and a
    redirect to the login page) without one."""
    _same_origin(req)
    key = _session_key(req, sessions)
    if key is None:
        _redirect(resp, "/admin/login")
    return key


def _form(req: falcon.Request, names: tuple[str, ...], error_field: str) -> dict[str, str]:
    """The posted form's fields ``names`` (blank when absent), each given at most once."""
    form = falcon.uri.parse_query_string(
        read_body(req, MAX_FORM_BYTES).decode(errors="replace"), keep_blank=True
    )
    values = {name: form.get(name, "") for name in names}
    if not all(isinstance(value, str) for value in values.values()):
        raise InvalidInput("each form field once", field=error_field)
    return values


def _session_key(req: falcon.Request, sessions: Sessions) -> ApiKey | None:
    # A browser may hold more than one cookie of the name (another path); any valid one will do.
    cookies = req.get_cookie_values(COOKIE) or []
    return next((key for value in cookies if (key := sessions.check(value))), None)


class DashboardResource:
    def __init__(
        self,
        store: Store,
        sessions: Sessions,
        rules: Rules,
        index_dir: Path | None = None,
        popular: PopularQueries | None = None,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.rules = rules
        self.generations = Generations(index_dir) if index_dir is not None else None
        self.popular = popular

    @declare(answers={200: Answer("The dashboard", media=HTML), 303: Answer("To the login page")})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The supervision dashboard (监管看板), for a signed-in session."""
        if _session_key(req, self.sessions) is None:
            _redirect(resp, "/admin/login")
            return
        problem = self.generations.problem() if self.generations else None
        overview = gather(self.store, self.rules, indexer_problem=problem, popular=self.popular)
        _html(resp, dashboard_page(overview))


class SuggestionsFormResource:
    """``POST /admin/suggestions`` from the dashboard: ``action=hide`` (with ``text`` and an
    optional ``reason``) or ``action=show``; audited as the session's key."""

    def __init__(self, store: Store, sessions: Sessions, popular: PopularQueries) -> None:
        self.store = store
        self.sessions = sessions
        self.popular = popular

    @declare(
        body=Body(SuggestionsForm, media=FORM),
        answers={303: ONWARD},
        raises=(InvalidInput, TooLarge, falcon.HTTPForbidden),
    )
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Hide a public suggestion, or show it again."""
        key = _signed_in(req, resp, self.sessions)
        if key is None:
            return
        form = _form(req, tuple(SuggestionsForm.__annotations__), error_field="text")
        action, text, reason = form["action"], form["text"], form["reason"]
        if action == "hide":
            hide_suggestion(self.store, text, key.actor, reason)
        elif action == "show":
            show_suggestion(self.store, text, key.actor)
        else:
            raise InvalidInput("action must be hide or show", field="action")
        self.popular.forget()
        _redirect(resp, "/admin#suggestions")


class BestBetsFormResource:
    """``POST /admin/bestbets`` from the dashboard: ``action=add`` (``query``, ``record``
    SITE/ID, ``applies`` cluster, site or branch with ``site``, optional ``expires`` and
    ``note``) or ``action=remove`` (``id``); audited as the session's key. A refusal is a
    page that says why, not a JSON body."""

    def __init__(self, store: Store, sessions: Sessions, best_bets: BestBets) -> None:
        self.store = store
        self.sessions = sessions
        self.best_bets = best_bets

    @declare(
        body=Body(BestBetForm, media=FORM),
        answers={
            303: ONWARD,
            **{
                error.status: Answer("A page saying why nothing was saved", media=HTML)
                for error in (InvalidInput, NotFound, TooLarge)
            },
        },
        raises=(falcon.HTTPForbidden,),
    )
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Add or remove a best bet (推荐结果)."""
        key = _signed_in(req, resp, self.sessions)
        if key is None:
            return
        try:
            self._apply(_form(req, tuple(BestBetForm.__annotations__), error_field="action"),
                        key.actor)  # fmt: skip
        except ZhanqunError as error:
            message = f"{error.message}（{error.code}）"
            _html(resp, refused_page("推荐结果未保存", message, "/admin#best-bets"),
                  falcon.code_to_http_status(error.status))  # fmt: skip
            return
        self.best_bets.forget()
        _redirect(resp, "/admin#best-bets")

    def _apply(self, form: dict[str, str], actor: str) -> None:
        if form["action"] == "remove":
            bet_id = whole_number(form["id"])
            if bet_id is None or bet_id > 2**31 - 1:
                raise InvalidInput("id must be a best bet's number", field="id")
            remove_best_bet(self.store, bet_id, actor)
            return
        if form["action"] != "add":
            raise InvalidInput("action must be add or remove", field="action")
        applies, site = form["applies"] or "cluster", form["site"].strip()
        if applies not in ("cluster", "site", "branch"):
            raise InvalidInput("applies must be cluster, site or branch", field="applies")
        if applies != "cluster" and not site:
            raise InvalidInput(f"name the {applies} the best bet is for", code="missing_field",
                               field="site")  # fmt: skip
        last = None
        if form["expires"]:
            try:
                last = date.fromisoformat(form["expires"])
            except ValueError:
                raise InvalidInput("expires must be a date YYYY-MM-DD", code="invalid_date",
                                   field="expires") from None  # fmt: skip
        pin(self.store, form["query"], form["record"], actor,
            site if applies == "site" else None, site if applies == "branch" else None,
            last, form["note"])  # fmt: skip


class LoginResource:
    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    @declare(answers={200: Answer("The login form", media=HTML)})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The dashboard's login form."""
        _html(resp, login_page())

    @declare(
        body=Body(LoginForm, media=FORM),
        answers={
            303: Answer("Signed in: on to the dashboard"),
            400: Answer("The form again: no key given", media=HTML),
            401: Answer("The form again: not a valid key", media=HTML),
            403: Answer("The form again: the key may not sign in here", media=HTML),
        },
        raises=(TooLarge, falcon.HTTPForbidden),
    )
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Sign in with a key: the answer sets the session cookie."""
        _same_origin(req)
        form = falcon.uri.parse_query_string(
            read_body(req, MAX_FORM_BYTES).decode(errors="replace")
        )
        token = form.get("key")
        if not isinstance(token, str) or not token.strip():
            _html(resp, login_page("请输入管理密钥。"), falcon.HTTP_400)
            return
        try:
            cookie = self.sessions.log_in(token)
        except (Unauthorized, Forbidden) as error:
            client = req.context.get("client") or req.remote_addr
            log.warning("dashboard login refused from %s: %s", client, error.code)
            message = (
                "密钥无效或已吊销。"
                if isinstance(error, Unauthorized)
                else "此密钥无权登录看板：需要含 admin 权限的集群密钥。"
            )
            _html(resp, login_page(message), falcon.code_to_http_status(error.status))
            return
        resp.set_cookie(
            COOKIE,
            cookie,
            max_age=int(LIFETIME.total_seconds()),
            path="/admin",
            secure=True,
            http_only=True,
            same_site="Strict",
        )
        _redirect(resp, "/admin")


class LogoutResource:
    @declare(answers={303: Answer("To the login page")}, raises=(falcon.HTTPForbidden,))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Sign out."""
        _same_origin(req)
        resp.unset_cookie(COOKIE, path="/admin")
        _redirect(resp, "/admin/login")


class StylesheetResource:
    def __init__(self) -> None:
        self._css: bytes | None = None

    @declare(answers={200: Answer("The stylesheet", media=CSS)})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The dashboard's stylesheet."""
        if self._css is None:
            self._css = (resources.files("exchange.dashboard") / "dashboard.css").read_bytes()
        resp.content_type = f"{CSS}; charset=utf-8"
        resp.data = self._css
        resp.cache_control = ["private", "max-age=3600"]
        resp.set_header("X-Content-Type-Options", "nosniff")
