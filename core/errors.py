"""Errors raised by services. The API renders them in the error format of API.md; pages show the message."""


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message, *, details=None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class NotAllowed(DomainError):
    status_code = 403
    code = "permission_denied"
