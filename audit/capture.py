"""Writing the audit trail: model signals of the audited models (audit.audited) and the explicit
calls for what signals do not see (bulk_create).

Signals are the exception CONVENTIONS.md allows for a concern that is not business logic: every
write of an audited model must be recorded whichever code path makes it (the Django admin, a
page, the API, a CSV import, the shell), and one receiver per signal cannot be forgotten by the
next service written. Receivers are connected per audited model, so Django keeps its fast path
(no row fetch on delete) for every other model.
"""

import json
from decimal import Decimal
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from audit import context
from audit.audited import REGISTRY
from audit.models import MASK, Action, AuditEntry

# through model → (audited model, m2m field name)
THROUGH = {}


def _jsonable(data):
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _m2m_value(instance, name):
    field = instance._meta.get_field(name)
    through = field.remote_field.through
    ids = through._default_manager.filter(**{field.m2m_field_name(): instance.pk}).values_list(field.m2m_reverse_field_name(), flat=True)
    return [str(obj) for obj in field.related_model._base_manager.filter(pk__in=ids).select_related().order_by("pk")]


def _normalised(field, value):
    """The value as it reads back from the database, so that an object saved with "-0.5" in a
    decimal field is not a change from the stored -0.500000."""
    if value is None or field.is_relation:
        return value
    if field.name == "password" and isinstance(value, str) and value.startswith(UNUSABLE_PASSWORD_PREFIX):
        # Each set_unusable_password() writes new random characters: still no password, no change.
        return UNUSABLE_PASSWORD_PREFIX
    try:
        value = field.to_python(value)
    except ValidationError:
        return value
    if isinstance(value, Decimal) and getattr(field, "decimal_places", None) is not None:
        value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def snapshot(spec, instance, *, full=False):
    """The object's audited fields as JSON values (a foreign key as its id); `full` adds the
    many-to-many fields and the extras, which cost queries."""
    data = {f.name: _normalised(f, f.value_from_object(instance)) for f in spec.fields}
    if full:
        for name in spec.m2m:
            data[name] = _m2m_value(instance, name)
        if spec.extra is not None:
            data.update(spec.extra(instance))
    return _jsonable(data)


def _diff(before, after):
    keys = list(after) + [k for k in before if k not in after]
    return [k for k in keys if before.get(k) != after.get(k)]


def _masked(spec, data):
    if data is None:
        return None
    return {k: (MASK if v else "") if spec.is_secret(k) else v for k, v in data.items()}


def write(*, action, model_label, object_id="", object_repr="", before=None, after=None, changed=(), spec=None):
    actor = context.current_actor()
    request_id, ip_address, path = context.request_details()
    role = ""
    if actor is not None:
        from dispatch112.roles import role_of

        role = role_of(actor) or ""
    if spec is not None:
        before, after = _masked(spec, before), _masked(spec, after)
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        actor_role=str(role),
        action=action,
        model_label=model_label,
        object_id=str(object_id or "")[:64],
        object_repr=str(object_repr or "")[:200],
        before=before,
        after=after,
        changed_fields=list(changed),
        request_id=request_id,
        ip_address=ip_address,
        path=path,
    )


def _write_object(spec, instance, action, before, after, changed=()):
    return write(
        action=action,
        model_label=spec.model._meta.label_lower,
        object_id=instance.pk,
        object_repr=instance,
        before=before,
        after=after,
        changed=changed,
        spec=spec,
    )


# --- batches (audit.context.batch) ------------------------------------------------------------------


@dataclass
class Pending:
    spec: object
    pk: object
    before: dict = None  # None: created inside the batch
    deleted: bool = False
    deleted_repr: str = ""


def _pending(batch, spec, pk, *, load_before=True):
    key = (spec.model, pk)
    if key not in batch:
        before = None
        if load_before:
            old = spec.model._base_manager.filter(pk=pk).first()
            before = snapshot(spec, old, full=True) if old is not None else None
        batch[key] = Pending(spec=spec, pk=pk, before=before)
    return batch[key]


def flush(pending):
    for item in pending.values():
        spec = item.spec
        current = spec.model._base_manager.filter(pk=item.pk).first()
        if current is None:
            if item.before is not None:
                write(action=Action.DELETE, model_label=spec.model._meta.label_lower, object_id=item.pk, object_repr=item.deleted_repr, before=item.before, spec=spec)
            continue
        after = snapshot(spec, current, full=True)
        if item.before is None:
            _write_object(spec, current, Action.CREATE, None, after)
            continue
        changed = _diff(item.before, after)
        if changed:
            _write_object(spec, current, Action.UPDATE, item.before, after, changed)


# --- receivers ---------------------------------------------------------------------------------------


def _on_pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    spec = REGISTRY.get(sender)
    if spec is None or raw:
        return
    # A login's last_login, a probe's camera health: not an admin change, and not worth a query.
    instance._audit_skip = update_fields is not None and set(update_fields) <= spec.exclude
    if instance._audit_skip:
        return
    adding = instance._state.adding or instance.pk is None
    batch = context.current_batch()
    if batch is not None:
        if not adding:
            _pending(batch, spec, instance.pk)
        return
    old = None if adding else sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(spec, old) if old is not None else None


def _on_post_save(sender, instance, created=False, raw=False, **kwargs):
    spec = REGISTRY.get(sender)
    if spec is None or raw or instance.__dict__.pop("_audit_skip", False):
        return
    batch = context.current_batch()
    if batch is not None:
        _pending(batch, spec, instance.pk, load_before=False)
        return
    before = instance.__dict__.pop("_audit_before", None)
    after = snapshot(spec, instance)
    if created or before is None:
        _write_object(spec, instance, Action.CREATE, None, after)
        return
    changed = _diff(before, after)
    if changed:
        _write_object(spec, instance, Action.UPDATE, before, after, changed)


def _on_pre_delete(sender, instance, **kwargs):
    spec = REGISTRY.get(sender)
    if spec is None:
        return
    batch = context.current_batch()
    if batch is not None:
        item = _pending(batch, spec, instance.pk)
        item.deleted, item.deleted_repr = True, str(instance)
        return
    instance._audit_before = snapshot(spec, instance, full=True)


def _on_post_delete(sender, instance, **kwargs):
    spec = REGISTRY.get(sender)
    if spec is None or context.current_batch() is not None:
        return
    before = instance.__dict__.pop("_audit_before", None) or snapshot(spec, instance)
    _write_object(spec, instance, Action.DELETE, before, None)


def _m2m_owners(owner_model, name, instance, reverse, pk_set):
    if not reverse:
        return [instance]
    if pk_set is None:  # clear() from the other side: everyone who had it
        return list(owner_model._base_manager.filter(**{name: instance.pk}))
    return list(owner_model._base_manager.filter(pk__in=pk_set))


def _on_m2m_changed(sender, instance, action, reverse, pk_set=None, **kwargs):
    owner_model, name = THROUGH.get(sender, (None, None))
    if owner_model is None or not action.startswith(("pre_", "post_")):
        return
    spec = REGISTRY[owner_model]
    stage, _unused, _kind = action.partition("_")
    batch = context.current_batch()
    if stage == "pre":
        owners = _m2m_owners(owner_model, name, instance, reverse, pk_set)
        if batch is not None:
            for owner in owners:
                _pending(batch, spec, owner.pk)
            return
        instance._audit_m2m = {owner.pk: (owner, _m2m_value(owner, name)) for owner in owners}
        return
    if batch is not None:
        return
    for owner, before in instance.__dict__.pop("_audit_m2m", {}).values():
        after = _m2m_value(owner, name)
        if before != after:
            _write_object(spec, owner, Action.UPDATE, {name: before}, {name: after}, [name])


def record_created(objects):
    """For rows written with bulk_create, which sends no signal."""
    for instance in objects:
        spec = REGISTRY.get(type(instance))
        if spec is not None:
            _write_object(spec, instance, Action.CREATE, None, snapshot(spec, instance))


def connect():
    for model, spec in REGISTRY.items():
        uid = f"audit-{model._meta.label_lower}"
        pre_save.connect(_on_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(_on_post_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(_on_pre_delete, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_post_delete, sender=model, dispatch_uid=uid)
        for name in spec.m2m:
            through = model._meta.get_field(name).remote_field.through
            THROUGH[through] = (model, name)
            m2m_changed.connect(_on_m2m_changed, sender=through, dispatch_uid=f"{uid}-{name}")
