from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.ids import ID_MAX

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
INVALID_CURSOR = "This cursor is not valid; start again from the first page."


class CursorPagination(pagination.CursorPagination):
    """``?limit=`` (default 50, at most 100) and an opaque ``cursor``; answers ``{"results", "next"}``."""

    page_size = DEFAULT_LIMIT
    max_page_size = MAX_LIMIT
    page_size_query_param = "limit"
    ordering = "-id"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            limit = int(raw)
        except ValueError:
            limit = 0
        if limit < 1:
            raise ValidationError({"limit": [f"Must be a whole number from 1 to {MAX_LIMIT}."]})
        return min(limit, MAX_LIMIT)

    def decode_cursor(self, request):
        invalid = ValidationError({"cursor": [INVALID_CURSOR]})
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise invalid from exc
        position = cursor.position if cursor is not None else None
        if position is not None and not self.valid_position(position):
            raise invalid
        return cursor

    def valid_position(self, position):
        """Whether a cursor's position could be one of ours: a position that is not was made by hand (a
        400, not a 500). Lists ordered by an id take an id."""
        return position.isascii() and position.isdigit() and int(position) <= ID_MAX

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "The cursor of a `next` link; one made by hand is a 400.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Page size, from 1 (less is a 400); above {MAX_LIMIT}, {MAX_LIMIT}.",
                "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
            },
        ]

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
