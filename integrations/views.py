"""Pages: the supervisor's CAP page, and the public CAP documents (per-alert XML, Atom feed)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from lxml import etree

from dispatch112 import clock
from dispatch112.errors import ConflictError
from dispatch112.region import current_region
from dispatch112.roles import Role
from dispatch112.views import RolePage
from incidents.models import Incident
from integrations import cap, selectors, services
from integrations.forms import CancelForm, WarningForm
from integrations.models import PublishedAlert

CAP_CONTENT_TYPE = "application/cap+xml; charset=utf-8"
FEED_SIZE = 50


def cap_sender():
    return settings.CAP_SENDER or f"cc112.{current_region().short.lower()}@dispatch112"


def _sender_name():
    return f"{settings.CAP_SENDER_NAME} {current_region().name}"


def _alert_url(request, alert):
    return request.build_absolute_uri(reverse("integrations:cap-alert-xml", args=[alert.identifier]))


@require_GET
def alert_xml(request, identifier):
    """Public: one published CAP message."""
    alert = get_object_or_404(PublishedAlert, identifier=identifier)
    body = cap.alert_xml(alert, sender=cap_sender(), sender_name=_sender_name(), web=request.build_absolute_uri(reverse("integrations:cap-feed")))
    return HttpResponse(body, content_type=CAP_CONTENT_TYPE)


def _atom(parent, name, text=None, **attributes):
    element = etree.SubElement(parent, f"{{{cap.ATOM_NS}}}{name}", **attributes)
    if text is not None:
        element.text = str(text)
    return element


@require_GET
def atom_feed(request):
    """Public: the newest published CAP messages as an Atom index (OASIS CAP feed practice)."""
    alerts = selectors.published_alerts(FEED_SIZE)
    feed = etree.Element(f"{{{cap.ATOM_NS}}}feed", nsmap={None: cap.ATOM_NS})
    _atom(feed, "id", f"urn:dispatch112:{cap_sender()}:cap-feed")
    _atom(feed, "title", f"{_sender_name()} — CAP")
    _atom(feed, "updated", cap.cap_time(alerts[0].sent if alerts else clock.now()))
    _atom(feed, "link", rel="self", href=request.build_absolute_uri())
    author = _atom(feed, "author")
    _atom(author, "name", _sender_name())
    for alert in alerts:
        entry = _atom(feed, "entry")
        _atom(entry, "id", f"urn:dispatch112:{cap_sender()}:{alert.identifier}")
        _atom(entry, "title", alert.headline)
        _atom(entry, "updated", cap.cap_time(alert.sent))
        _atom(entry, "link", rel="alternate", type="application/cap+xml", href=_alert_url(request, alert))
        _atom(entry, "category", term=alert.msg_type)
        _atom(entry, "summary", f"{alert.event} · {alert.severity} · {alert.area_desc}")
    body = etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


def _apply_errors(form, error):
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


class CapPage(RolePage):
    """Write a public warning (or publish an incident), update or cancel one; see the alerts
    received from the hazard feeds."""

    allowed_roles = (Role.SUPERVISOR, Role.ADMIN)
    template_name = "integrations/cap.html"

    def _target(self):
        update_id = self.request.GET.get("update") or self.request.POST.get("update")
        return get_object_or_404(PublishedAlert, pk=update_id) if str(update_id or "").isdigit() else None

    def _incident(self):
        incident_id = self.request.GET.get("incident") or self.request.POST.get("incident")
        return get_object_or_404(Incident, pk=incident_id) if str(incident_id or "").isdigit() else None

    def get(self, request, *args, **kwargs):
        target, incident = self._target(), self._incident()
        initial = {}
        if target is not None:
            initial = WarningForm.initial_from(selectors.latest_published(target))
        elif incident is not None:
            initial = WarningForm.initial_from(services.warning_from_incident(incident))
        return self.render_to_response(self.get_context_data(form=WarningForm(initial=initial), target=target, incident=incident))

    def post(self, request, *args, **kwargs):
        target, incident = self._target(), self._incident()
        form = WarningForm(request.POST)
        if form.is_valid():
            try:
                if target is not None:
                    alert = services.cap_alert_update(alert=target, by=request.user, data=form.to_input())
                else:
                    alert = services.cap_alert_publish(by=request.user, data=form.to_input(), incident=incident)
            except ValidationError as error:
                _apply_errors(form, error)
            except ConflictError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Published: %(identifier)s") % {"identifier": alert.identifier})
                return redirect("integrations:cap")
        return self.render_to_response(self.get_context_data(form=form, target=target, incident=incident), status=400)

    def get_context_data(self, **kwargs):
        published = list(selectors.published_alerts())
        threads = {}
        for alert in published:  # newest first: the first message seen of a thread is its latest
            threads.setdefault(alert.original_id or alert.pk, alert)
        return super().get_context_data(
            threads=list(threads.values()),
            received=list(selectors.received_alerts_in_force(now=clock.now())),
            cancel_form=CancelForm(),
            **kwargs,
        )


class CapCancel(RolePage):
    allowed_roles = (Role.SUPERVISOR, Role.ADMIN)
    http_method_names = ["post"]

    def post(self, request, pk):
        alert = get_object_or_404(PublishedAlert, pk=pk)
        form = CancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the reason for cancelling."))
            return redirect("integrations:cap")
        try:
            cancel = services.cap_alert_cancel(alert=alert, by=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, ConflictError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(getattr(error, "message", error))])))
        else:
            messages.success(request, _("Cancelled: %(identifier)s") % {"identifier": cancel.identifier})
        return redirect("integrations:cap")
