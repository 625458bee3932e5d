"""The authorization rules: for every URL pattern, each method it serves and each role, what that
role gets. tests/security/test_authz_matrix.py walks the URL resolver and fails on any pattern
(or method) that has no rule here, so a new endpoint cannot go unreviewed.

ADDING AN ENDPOINT? Add a rule below, in your app's section, keyed by the URL name ("api:<basename>-<action>"
for API routes, the name you gave in urls.py for pages; the route itself for an unnamed pattern):

    "api:report-list": Rule(GET=api(*CONSOLE)),
    "reports-page": Rule(GET=page(SUPERVISOR, ADMIN)),
    "api:thing-detail": Rule(args=lambda w: {"pk": w.incident.pk}, GET=api(*CONSOLE, OPD_OWN, other_agency=404)),

`page(...)`, `api(...)`, `public(...)` give the usual answers for the roles not named (anonymous →
login page or 403, other roles → 403); pass overrides as a dict for the exceptions:
`api(*CONSOLE, ok=400, overrides={TELEPHONY: 201})`. A POST/PUT/PATCH is sent with an empty body
(`body={...}` to send one): an allowed role then typically gets 400 (it passed the role check and was
stopped at the input), a refused one 403/404 — exactly what this table is about. Each request runs in
a savepoint that is rolled back, so the order of roles does not matter.
"""

from dataclasses import dataclass, field
from typing import Callable

ANONYMOUS = "anonymous"
OPERATOR = "operator"
SUPERVISOR = "supervisor"
ADMIN = "admin"
OPD_OWN = "opd_staff_of_assigned_agency"
OPD_OTHER = "opd_staff_of_other_agency"
TELEPHONY = "telephony_machine_token"
VOLUNTEER = "volunteer_link_holder"
ROLES = (ANONYMOUS, OPERATOR, SUPERVISOR, ADMIN, OPD_OWN, OPD_OTHER, TELEPHONY, VOLUNTEER)
CONSOLE = (OPERATOR, SUPERVISOR, ADMIN)
OPD = (OPD_OWN, OPD_OTHER)
# No session: the telephony system authenticates with its API token only, a relawan holds a link.
SESSIONLESS = (ANONYMOUS, TELEPHONY, VOLUNTEER)

LOGIN = "302 to the login page"
ADMIN_LOGIN = "302 to the admin login page"
REDIRECT = "302 elsewhere"  # a redirect that is not to a login page


@dataclass
class Rule:
    """What each role gets per method. `args(world)` gives the URL's kwargs; a role-specific value
    is a dict {role: kwargs} under `args_for` (the volunteer link: only its holder has the token)."""

    GET: dict = None
    POST: dict = None
    PUT: dict = None
    PATCH: dict = None
    DELETE: dict = None
    args: Callable = lambda world: {}
    args_for: Callable = None
    body: dict = field(default_factory=dict)  # method → data sent
    query: str = ""

    def expected(self, method):
        return getattr(self, method)

    def methods(self):
        return [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if getattr(self, m) is not None]


def _table(allowed, ok, refused, sessionless, overrides):
    table = {role: refused for role in ROLES}
    table.update({role: sessionless for role in SESSIONLESS})
    table.update({role: ok for role in allowed})
    table.update(overrides or {})
    return table


def page(*allowed, ok=200, overrides=None):
    """A page (Django view behind RoleRequiredMixin): no session → the login page, wrong role → 403."""
    return _table(allowed, ok, 403, LOGIN, overrides)


def api(*allowed, ok=200, other_agency=None, overrides=None):
    """An API endpoint: no credentials → 403 (DRF answers 403, not 401, when session authentication
    comes first), wrong role → 403; `other_agency`: what OPD staff of another agency get (404:
    the object does not exist for them) when OPD_OWN is allowed."""
    table = _table(allowed, ok, 403, 403, overrides)
    if other_agency is not None:
        table[OPD_OTHER] = other_agency
    return table


def public(ok=200, overrides=None):
    return _table(ROLES, ok, ok, ok, overrides)


def admin_page(ok=200):
    """The Django admin: only staff (the admin role's accounts) get in; everyone else is sent to
    the admin's own login page."""
    return {**{role: ADMIN_LOGIN for role in ROLES}, ADMIN: ok}


V1 = {"version": "v1"}


def v1(**kwargs):
    return lambda w: {**V1, **{k: (v(w) if callable(v) else v) for k, v in kwargs.items()}}


def _incident(w):
    return w.incident.pk


def _forged_link(w):
    # A link of the same activation with the signature cut off: what someone guessing would hold.
    return w.volunteer_token.rsplit(":", 1)[0] + ":forged"


RULES = {
    # --- core: login, landing, language -------------------------------------------------------------
    "home": Rule(GET=page(*CONSOLE, *OPD, ok=REDIRECT)),
    "login": Rule(
        GET=public(overrides={r: REDIRECT for r in (*CONSOLE, *OPD)}),
        POST=public(overrides={r: REDIRECT for r in (*CONSOLE, *OPD)}),
    ),
    "logout": Rule(GET=public(405), POST=public(LOGIN)),
    "set_language": Rule(POST=public(REDIRECT), body={"POST": {"language": "en", "next": "/"}}),
    "javascript-catalog": Rule(GET=public()),
    # How long the session has left (static/js/session.js): it tells the anonymous only that there
    # is no session.
    "session-status": Rule(GET=public(), POST=public(405)),
    "supervisor-home": Rule(GET=page(SUPERVISOR, ADMIN)),
    "manage-home": Rule(GET=page(ADMIN)),
    # --- audit trail (audit/urls.py): admins only, read-only ------------------------------------------
    "audit:log": Rule(GET=page(ADMIN)),
    "audit:export": Rule(GET=page(ADMIN)),
    # The schema and its docs page: any account (integrators have one), nobody without.
    "api-schema": Rule(GET=api(*CONSOLE, *OPD, TELEPHONY)),
    "api-docs": Rule(GET=api(*CONSOLE, *OPD, TELEPHONY)),
    # --- accounts: the account page and two-factor login (accounts/urls.py) ------------------------
    "accounts:account": Rule(GET=page(*CONSOLE, *OPD)),
    # Only admins and supervisors enrol (or a role TOTP_REQUIRED_ROLES names); no code sent: 400.
    "accounts:totp-enrol": Rule(GET=page(SUPERVISOR, ADMIN), POST=page(SUPERVISOR, ADMIN, ok=400)),
    "accounts:totp-disable": Rule(POST=page(SUPERVISOR, ADMIN, ok=400)),
    # The login's code step: without a password just entered there is nothing to verify.
    "accounts:totp-verify": Rule(GET=public(LOGIN), POST=public(LOGIN)),
    # --- incidents: consoles and API ---------------------------------------------------------------
    "operator-console": Rule(GET=page(*CONSOLE)),
    "opd-console": Rule(GET=page(*OPD)),
    "api:overdue": Rule(args=v1(), GET=api(*CONSOLE)),
    "api:telephony-incoming": Rule(args=v1(), POST=api(TELEPHONY, ok=400)),
    "api:telephony-ring-take": Rule(args=v1(ring_id=lambda w: w.ring.pk), POST=api(*CONSOLE)),
    # --- intake: the PBX's call events --------------------------------------------------------------
    "api:telephony-events": Rule(args=v1(), POST=api(TELEPHONY, ok=400)),
    "api:telephony-call-link": Rule(args=v1(), POST=api(*CONSOLE, ok=400)),
    # WhatsApp's webhook: its verify token (GET) and its signature (POST), never an account.
    "api:messages-whatsapp": Rule(args=v1(), GET=api(), POST=api()),
    "api:messages-inbound": Rule(args=v1(), POST=api(TELEPHONY, ok=400)),
    "api:inbound-message-list": Rule(args=v1(), GET=api(*CONSOLE)),
    "api:inbound-message-detail": Rule(args=v1(pk=0), GET=api(*CONSOLE, ok=404)),
    "api:inbound-message-incident": Rule(args=v1(pk=0), POST=api(*CONSOLE, ok=400)),
    "api:inbound-message-link": Rule(args=v1(pk=0), POST=api(*CONSOLE, ok=400)),
    "api:inbound-message-prank": Rule(args=v1(pk=0), POST=api(*CONSOLE, ok=404)),
    "api:inbound-message-reply": Rule(args=v1(pk=0), POST=api(*CONSOLE, ok=400)),
    # The sender's photo: personal data, console roles only (no message 0: 404 once past the role check).
    "api:inbound-message-media": Rule(args=v1(pk=0), GET=api(*CONSOLE, ok=404)),
    "api:aml-sms": Rule(args=v1(), POST=api(TELEPHONY, ok=400)),
    "api:aml-https": Rule(args=v1(), POST=api(TELEPHONY, ok=400)),
    # An incident's AML positions (a caller's whereabouts): console roles; no ?incident= → 400.
    "api:aml-positions": Rule(args=v1(), GET=api(*CONSOLE, ok=400)),
    "api:incident-list": Rule(args=v1(), GET=api(*CONSOLE, *OPD)),
    "api:incident-duplicates": Rule(args=v1(), GET=api(*CONSOLE)),
    "api:incident-detail": Rule(
        args=v1(pk=_incident),
        GET=api(*CONSOLE, OPD_OWN, other_agency=404),
        PATCH=api(*CONSOLE),
        PUT=api(*CONSOLE, ok=405),
        DELETE=api(*CONSOLE, ok=405),
    ),
    "api:incident-cancel": Rule(args=v1(pk=_incident), POST=api(*CONSOLE, ok=400)),
    "api:incident-close": Rule(args=v1(pk=_incident), POST=api(*CONSOLE, ok=400)),
    "api:incident-reopen": Rule(args=v1(pk=_incident), POST=api(*CONSOLE, ok=400)),
    "api:incident-resolve": Rule(args=v1(pk=_incident), POST=api(*CONSOLE, ok=409)),
    "api:incident-dispatch-to-agencies": Rule(args=v1(pk=_incident), POST=api(*CONSOLE, ok=400)),
    "api:incident-dispatch-options": Rule(args=v1(pk=_incident), GET=api(*CONSOLE)),
    "api:incident-link-call": Rule(args=v1(pk=_incident), POST=api(*CONSOLE, ok=400)),
    "api:incident-notes": Rule(args=v1(pk=_incident), POST=api(*CONSOLE, OPD_OWN, ok=400, other_agency=404)),
    "api:call-list": Rule(args=v1(), GET=api(*CONSOLE), POST=api(*CONSOLE, ok=400)),
    "api:call-history": Rule(args=v1(), query="number=081234567890", GET=api(*CONSOLE)),
    "api:call-detail": Rule(args=v1(pk=lambda w: w.call.pk), GET=api(*CONSOLE)),
    "api:assignment-list": Rule(args=v1(), GET=api(*CONSOLE, *OPD)),
    "api:assignment-detail": Rule(args=v1(pk=lambda w: w.assignment.pk), GET=api(*CONSOLE, OPD_OWN, other_agency=404)),
    "api:assignment-acknowledge": Rule(args=v1(pk=lambda w: w.assignment.pk), POST=api(*CONSOLE, OPD_OWN, other_agency=404)),
    "api:assignment-advance": Rule(args=v1(pk=lambda w: w.assignment.pk), POST=api(*CONSOLE, OPD_OWN, ok=400, other_agency=404)),
    "api:assignment-decline": Rule(args=v1(pk=lambda w: w.assignment.pk), POST=api(*CONSOLE, OPD_OWN, ok=400, other_agency=404)),
    "api:agency-list": Rule(args=v1(), GET=api(*CONSOLE, *OPD)),
    "api:agency-detail": Rule(args=v1(pk=lambda w: w.assignment.agency_id), GET=api(*CONSOLE, *OPD)),
    "api:category-list": Rule(args=v1(), GET=api(*CONSOLE, *OPD)),
    "api:category-detail": Rule(args=v1(pk=lambda w: w.incident.category_id), GET=api(*CONSOLE, *OPD)),
    "api:kelurahan-list": Rule(args=v1(), GET=api(*CONSOLE, *OPD)),
    "api:kelurahan-detail": Rule(args=v1(pk=lambda w: w.incident.kelurahan_id), GET=api(*CONSOLE, *OPD)),
    # --- shifts ---------------------------------------------------------------------------------------
    # Supervisors read the roster; only an admin changes it.
    "shifts-calendar": Rule(GET=page(SUPERVISOR, ADMIN), POST=page(ADMIN, ok=400, overrides={SUPERVISOR: 403})),
    "shifts-calendar-csv": Rule(args=lambda w: {"year": 2026, "month": 11}, GET=page(SUPERVISOR, ADMIN)),
    "shifts-mine": Rule(GET=page(*CONSOLE), POST=page(*CONSOLE, ok=400)),
    "shifts-on-duty-fragment": Rule(GET=page(*CONSOLE)),
    # The swap is between the supervisor and the admin: the operator is no party to it.
    "shifts-swap-action": Rule(
        args=lambda w: {"pk": w.swap.pk, "action": "agree"}, POST=page(SUPERVISOR, ADMIN, ok=REDIRECT, overrides={OPERATOR: 403})
    ),
    "shifts-handovers": Rule(GET=page(SUPERVISOR, ADMIN)),
    "shifts-handover-write": Rule(GET=page(SUPERVISOR, ADMIN), POST=page(SUPERVISOR, ADMIN, ok=400)),
    # The supervisor wrote the handover and cannot acknowledge it (400); the admin takes the shift.
    "shifts-handover": Rule(
        args=lambda w: {"pk": w.handover.pk}, GET=page(SUPERVISOR, ADMIN), POST=page(SUPERVISOR, ADMIN, ok=400, overrides={ADMIN: REDIRECT})
    ),
    "api:shifts-on-duty": Rule(args=v1(), GET=api(*CONSOLE)),
    # --- cctv -------------------------------------------------------------------------------------------
    "cctv-wall": Rule(GET=page(SUPERVISOR, ADMIN)),
    "cctv-camera": Rule(args=lambda w: {"pk": w.camera.pk}, GET=page(*CONSOLE)),
    # The feed proxy answers in plain text, not a login redirect: an <img> cannot follow one.
    "cctv-camera-frame": Rule(args=lambda w: {"pk": w.camera.pk}, GET=page(*CONSOLE, overrides={r: 401 for r in SESSIONLESS})),
    # A demo camera serves still frames only: past the role check, its stream and HLS are a 502.
    "cctv-camera-stream": Rule(args=lambda w: {"pk": w.camera.pk}, GET=page(*CONSOLE, ok=502, overrides={r: 401 for r in SESSIONLESS})),
    "cctv-camera-hls": Rule(
        args=lambda w: {"pk": w.camera.pk, "name": "index.m3u8"}, GET=page(*CONSOLE, ok=502, overrides={r: 401 for r in SESSIONLESS})
    ),
    "cctv-demo-feed": Rule(args=lambda w: {"code": w.camera.code}, GET=public()),
    "api:wall-layout": Rule(args=v1(), GET=api(SUPERVISOR, ADMIN), PUT=api(SUPERVISOR, ADMIN, ok=400)),
    "api:wall-layout-add": Rule(args=v1(), POST=api(SUPERVISOR, ADMIN, ok=400)),
    "api:camera-list": Rule(args=v1(), GET=api(*CONSOLE), POST=api(SUPERVISOR, ADMIN, ok=400)),
    "api:camera-export-csv": Rule(args=v1(), GET=api(SUPERVISOR, ADMIN)),
    "api:camera-import-csv": Rule(args=v1(), POST=api(SUPERVISOR, ADMIN, ok=415)),  # takes a CSV file, not JSON
    "api:camera-nearest": Rule(args=v1(), query="latitude=-0.5022&longitude=117.1536", GET=api(*CONSOLE)),
    "api:camera-offline": Rule(args=v1(), GET=api(*CONSOLE)),
    "api:camera-detail": Rule(
        args=v1(pk=lambda w: w.camera.pk),
        GET=api(*CONSOLE),
        PUT=api(SUPERVISOR, ADMIN, ok=400),
        PATCH=api(SUPERVISOR, ADMIN),
        DELETE=api(SUPERVISOR, ADMIN, ok=204),
    ),
    # --- relawan ------------------------------------------------------------------------------------
    "volunteers-roster": Rule(GET=page(SUPERVISOR, ADMIN)),
    "volunteers-coverage": Rule(GET=page(SUPERVISOR, ADMIN)),
    "volunteers-create": Rule(GET=page(ADMIN), POST=page(ADMIN, ok=400)),
    "volunteers-edit": Rule(args=lambda w: {"pk": w.volunteer.pk}, GET=page(ADMIN), POST=page(ADMIN, ok=400)),
    "volunteers-import": Rule(GET=page(ADMIN), POST=page(ADMIN, ok=400)),
    "volunteers-export": Rule(GET=page(ADMIN)),
    "volunteers-outbox": Rule(GET=page(ADMIN), POST=page(ADMIN, ok=404)),  # requeue: no message named
    # Only the relawan holds the signed link; anyone else (admins too) holds at best a forged one.
    "volunteer-link": Rule(
        args=lambda w: {"token": _forged_link(w)},
        args_for=lambda w: {VOLUNTEER: {"token": w.volunteer_token}},
        GET=public(404, overrides={VOLUNTEER: 200}),
        POST=public(400),
    ),
    "api:volunteer-proposals": Rule(args=v1(incident_id=_incident), GET=api(*CONSOLE)),
    "api:activation-list": Rule(args=v1(), GET=api(*CONSOLE, *OPD), POST=api(*CONSOLE, ok=400)),
    "api:activation-detail": Rule(args=v1(pk=lambda w: w.activation.pk), GET=api(*CONSOLE, OPD_OWN, other_agency=404)),
    "api:activation-cancel": Rule(args=v1(pk=lambda w: w.activation.pk), POST=api(*CONSOLE)),
    "api:activation-record": Rule(args=v1(pk=lambda w: w.activation.pk), POST=api(*CONSOLE, ok=400)),
    "api:volunteer-list": Rule(args=v1(), GET=api(*CONSOLE)),
    "api:volunteer-coverage": Rule(args=v1(), GET=api(*CONSOLE)),
    "api:volunteer-detail": Rule(args=v1(pk=lambda w: w.volunteer.pk), GET=api(*CONSOLE)),
    # --- reports (reports/urls.py, reports/api_urls.py) ----------------------------------------------
    "reports:dashboard": Rule(GET=page(SUPERVISOR, ADMIN)),
    "reports:print": Rule(GET=page(SUPERVISOR, ADMIN)),
    "reports:export-incidents": Rule(GET=page(SUPERVISOR, ADMIN)),
    "reports:export-table": Rule(args=lambda w: {"key": "no-such-table"}, GET=page(SUPERVISOR, ADMIN, ok=404)),
    "api:report-figures": Rule(args=v1(), GET=api(SUPERVISOR, ADMIN)),
    "api:report-table": Rule(args=v1(key="no-such-table"), GET=api(SUPERVISOR, ADMIN, ok=404)),
    # --- intake (intake/urls.py, intake/api_urls.py) ---------------------------------------------------
    # --- integrations (integrations/urls.py, integrations/api_urls.py) ---------------------------------
    "integrations:cap": Rule(GET=page(SUPERVISOR, ADMIN), POST=page(SUPERVISOR, ADMIN, ok=400)),
    "integrations:cap-cancel": Rule(args=lambda w: {"pk": 0}, GET=page(SUPERVISOR, ADMIN, ok=405), POST=page(SUPERVISOR, ADMIN, ok=404)),
    # CAP alerts are public warnings: the feed and each alert are for anyone (none published here).
    "integrations:cap-feed": Rule(GET=public()),
    "integrations:cap-alert-xml": Rule(args=lambda w: {"identifier": "none"}, GET=public(404)),
    "api:eido-incident": Rule(args=v1(incident_id=_incident), GET=api(*CONSOLE, OPD_OWN, other_agency=404)),
    "api:cap-received": Rule(args=v1(), GET=api(*CONSOLE)),
    "api:units": Rule(args=v1(), GET=api(*CONSOLE, *OPD)),
    "api:units-share": Rule(args=v1(), POST=api(*OPD, ok=400)),
    "api:units-share-stop": Rule(args=v1(), POST=api(*OPD)),
    # Trackers authenticate with their device token only: no session or API token opens them.
    "api:units-owntracks": Rule(args=v1(), POST=public(401)),
    "api:units-traccar": Rule(args=v1(), GET=public(401), POST=public(401)),
    # --- operations: the load balancer's health check (a summary only) and Prometheus (the test
    # client comes from 127.0.0.1, an allowed address by default; elsewhere it needs METRICS_TOKEN).
    "healthz": Rule(GET=public()),
    "metrics": Rule(GET=public()),
    "admin:auth_user_password_change": Rule(args=lambda w: {"id": w.users["operator"].pk}, GET=admin_page()),
    # --- the Django admin: its fixed pages; each registered model's pages are covered by ADMIN_MODEL_PAGES
    "admin:index": Rule(GET=admin_page()),
    "admin:login": Rule(GET=public(200, overrides={ADMIN: REDIRECT})),
    # Django's admin sends anyone who is not staff to its index rather than log them out.
    "admin:logout": Rule(POST=public(REDIRECT, overrides={ADMIN: LOGIN})),
    "admin:password_change": Rule(GET=admin_page()),
    "admin:password_change_done": Rule(GET=admin_page()),
    "admin:jsi18n": Rule(GET=admin_page()),
    "admin:autocomplete": Rule(GET=admin_page(403)),
    "admin:app_list": Rule(args=lambda w: {"app_label": "incidents"}, GET=admin_page()),
    "admin:view_on_site": Rule(args=lambda w: {"content_type_id": w.objects["contenttype:user"], "object_id": w.users["operator"].pk}, GET=admin_page(404)),
    "admin:cctv_camera_import": Rule(GET=admin_page()),
    "admin:cctv_camera_export": Rule(GET=admin_page()),
    # Unnamed: a change page's old address redirects to the new one; anything else under /admin/.
    "admin/(?P<url>.*)$": Rule(args=lambda w: {"url": "no-such-page/"}, GET={**admin_page(404)}),
}

# Every registered ModelAdmin's standard pages: only the admin role's (staff) accounts get in.
ADMIN_MODEL_PAGES = {
    "changelist": admin_page(),
    "add": admin_page(),
    "change": admin_page(),
    "history": admin_page(),
    "delete": admin_page(),
    "<path:object_id>/": admin_page(REDIRECT),  # the unnamed legacy address of a change page
}
