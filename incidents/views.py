from django.conf import settings
from django.utils.translation import get_language

from dispatch112.region import current_region, region_kelurahan
from dispatch112.roles import Role
from dispatch112.views import RolePage
from incidents.models import Agency, AssignmentStatus, CallOutcome, IncidentCategory, IncidentStatus, Priority


def map_config():
    region = current_region()
    tile_name, tile_url, tile_options = settings.LEAFLET_CONFIG["TILES"][0]
    return {
        "centre": region.centre,
        "bounds": region.bounds,
        "tiles": {"url": tile_url, "attribution": tile_options.get("attribution", ""), "maxZoom": tile_options.get("maxZoom", 19)},
    }


def console_config(user):
    """Reference data the console needs before the first keystroke, sent with the page."""
    language = get_language() or "id"
    return {
        "language": language,
        "map": map_config(),
        "categories": [
            {
                "id": c.pk,
                "code": c.code,
                "name": c.name_for(language),
                "priority": c.default_priority,
                "colour": c.colour,
                "icon": c.icon,
                "key": c.quick_key,
                "agencies": [a.pk for a in c.default_agencies.all()],
            }
            for c in IncidentCategory.objects.filter(active=True).prefetch_related("default_agencies")
        ],
        "agencies": [{"id": a.pk, "code": a.code, "name": a.name, "kind": a.kind} for a in Agency.objects.filter(active=True)],
        "kelurahan": [
            {
                "id": k.pk,
                "code": k.code,
                "name": k.name,
                "kind": k.kind,
                "kecamatan": k.kecamatan.name,
                "kecamatan_id": k.kecamatan_id,
                "lat": float(k.latitude) if k.latitude is not None else None,
                "lon": float(k.longitude) if k.longitude is not None else None,
            }
            for k in region_kelurahan().select_related("kecamatan").order_by("name")
        ],
        "statuses": {s.value: str(s.label) for s in IncidentStatus},
        "assignment_statuses": {s.value: str(s.label) for s in AssignmentStatus},
        "outcomes": {s.value: str(s.label) for s in CallOutcome},
        "priorities": {str(p.value): str(p.label) for p in Priority},
        "ack_targets": settings.ACK_TARGET_SECONDS,
        "agency_id": user.agency_id,
    }


class OperatorConsole(RolePage):
    allowed_roles = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
    template_name = "incidents/operator_console.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(console_config=console_config(self.request.user), **kwargs)


class OpdConsole(RolePage):
    allowed_roles = (Role.OPD_STAFF,)
    template_name = "incidents/opd_console.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(console_config=console_config(self.request.user), **kwargs)
