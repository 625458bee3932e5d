"""Which models the audit trail follows, and what of them it keeps.

`exclude`: fields left out of before/after, and whose change alone is no entry (timestamps the
system keeps, version counters, a camera's health written every minute by the probe).
`secret`: fields recorded only as changed, never their value (passwords, keys, TOTP secrets).
`m2m`: many-to-many fields followed (a user's groups are their roles).
`extra(instance)`: more of the object as the admin sees it (a relawan's skills and hours), read
at the start and the end of a `context.batch()`.
"""

from dataclasses import dataclass, field
from typing import Callable

from django.apps import apps

# Wherever they turn up, these fields' values are never written into the trail.
SECRET_FIELDS = frozenset({"password", "sealed_secret", "secret", "key", "code_hash", "token", "api_key"})

REGISTRY = {}


@dataclass(frozen=True)
class Audited:
    model: type
    exclude: frozenset = frozenset()
    secret: frozenset = frozenset()
    m2m: tuple = ()
    extra: Callable = None
    fields: tuple = field(default=())

    def is_secret(self, name):
        return name in self.secret or name in SECRET_FIELDS


def register(model, *, exclude=(), secret=(), m2m=(), extra=None):
    exclude = frozenset(exclude)
    names = tuple(f for f in model._meta.concrete_fields if f.name not in exclude and f.attname not in exclude)
    REGISTRY[model] = Audited(model=model, exclude=exclude, secret=frozenset(secret), m2m=tuple(m2m), extra=extra, fields=names)
    return REGISTRY[model]


def audited(model):
    return REGISTRY.get(model)


def labels():
    """[(label, verbose name)] of every audited model, for the page's filter."""
    return sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in REGISTRY), key=lambda pair: pair[1].lower())


def _volunteer_extra(volunteer):
    return {
        "skills": sorted(volunteer.skill_rows.values_list("skill", flat=True)),
        "windows": [
            f"{w.weekday} {w.starts:%H:%M}-{w.ends:%H:%M}" for w in volunteer.windows.order_by("weekday", "starts")
        ],
    }


def register_defaults():
    """The reference data admins manage (DESIGN.md, "People and what they do")."""
    from django.contrib.auth.models import Group

    get = apps.get_model
    register(get("dispatch112", "User"), exclude={"last_login"}, m2m=("groups", "user_permissions"))
    register(Group, m2m=("permissions",))
    for name in ("Region", "Kecamatan", "Kelurahan"):
        register(get("dispatch112", name))
    register(get("incidents", "Agency"))
    register(get("incidents", "AgencyPost"))
    register(get("incidents", "IncidentCategory"), m2m=("default_agencies",))
    register(get("volunteers", "Volunteer"), exclude={"version", "created_at", "updated_at"}, m2m=("covers",), extra=_volunteer_extra)
    register(
        get("cctv", "Camera"),
        exclude={"status", "status_changed_at", "last_seen", "last_checked_at", "last_error", "failures", "created_at", "updated_at"},
    )
    register(get("shifts", "ShiftType"))
    register(get("shifts", "RosterEntry"))
    register(get("accounts", "TOTPDevice"), exclude={"last_used_step", "last_used_at"})
    if apps.is_installed("integrations"):
        register(get("integrations", "AgencyWebhook"))
