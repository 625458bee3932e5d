from audit import context


class AuditContextMiddleware:
    """Makes the request (its user, id and address) known to the audit trail while it runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.bind_request(request)
        try:
            return self.get_response(request)
        finally:
            context.unbind_request(token)
