"""System check: a messaging gateway that cannot send is found at start-up, not at the first emergency."""

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.compatibility)
def check_messaging_gateway(app_configs=None, **kwargs):
    from volunteers.gateways import get_gateway

    try:
        get_gateway()
    except ImproperlyConfigured as error:
        return [Error(str(error), hint="See the Relawan section of README.md.", obj="MESSAGING_GATEWAY", id="volunteers.E001")]
    return []
