"""Every URL pattern the project serves, found by walking the URL resolver, with the HTTP methods
its view implements — so that a pattern added anywhere shows up here without anyone listing it."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

VIEW_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Pattern:
    name: str  # the URL name, namespaced ("api:incident-detail", "admin:index")
    route: str  # the pattern as written, for messages
    methods: tuple  # the methods the view implements, upper case; () when it cannot be told

    def __str__(self):
        return f"{self.name or '(unnamed)'}  [{self.route}]"


def _methods(callback):
    actions = getattr(callback, "actions", None)  # a DRF viewset route: method → action
    if actions:
        # HEAD is GET without the body (DRF maps it to the same action): not a rule of its own.
        return tuple(sorted(m.upper() for m in actions if m != "head"))
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return tuple(m.upper() for m in VIEW_METHODS if hasattr(view_class, m))
    return ()


def _walk(patterns, route="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else ""
            yield Pattern(name=name, route=route + str(entry.pattern), methods=_methods(entry.callback))


def url_patterns():
    return list(_walk(get_resolver().url_patterns))


def websocket_routes():
    from dispatch112.routing import websocket_urlpatterns

    return [str(p.pattern) for p in websocket_urlpatterns]
