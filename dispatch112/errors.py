"""Domain errors that services raise and the API turns into 4xx answers.

Field problems are Django's ValidationError with a dict naming the field; these two cover the
rules that are not about one field.
"""


class ConflictError(Exception):
    """The change is not allowed in the current state (HTTP 409)."""

    code = "conflict"

    def __init__(self, message, *, current=None, code=None):
        super().__init__(str(message))
        self.message = message
        self.current = current
        if code:
            self.code = code


class TransitionNotAllowed(ConflictError):
    code = "transition_not_allowed"


class StaleVersion(ConflictError):
    code = "stale_version"
