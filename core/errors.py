"""Errors raised by services. The API renders them in the error format of API.md; pages show the message."""

from collections.abc import Mapping


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: Mapping[str, object] = details or {}


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class NotAllowed(DomainError):
    status_code = 403
    code = "permission_denied"
