from contextlib import ExitStack

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.api import idempotency
from core.api.schema import ApiAutoSchema
from core.api.throttling import rate_limit_headers
from core.replicas import reads_from_replica


class WorkspaceAPIView(APIView):
    """Base of every ``/api/v1`` view: the request's workspace, ``Idempotency-Key`` on POST, and the
    ``X-RateLimit-*`` headers on every answer."""

    idempotency_record = None
    # True for a read-only list: its GET reads from the database replica when there is one (core.replicas).
    replica_reads = False
    _replica_block = None
    schema = ApiAutoSchema()
    # JSON in (API.md): a form's text values would pass the JSON type checks they skip (any other body is a
    # 415). Uploads name their own parsers.
    parser_classes = [
        parser for parser in api_settings.DEFAULT_PARSER_CLASSES if parser.media_type == "application/json"
    ]

    @property
    def workspace(self):
        return self.request.workspace

    @property
    def membership(self):
        return self.request.membership

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            self.idempotency_record = idempotency.claim(request, request.workspace)
        if self.replica_reads and request.method in ("GET", "HEAD"):
            # Entered once the request is authenticated (the key is looked up on the primary), left when
            # the answer is final.
            self._replica_block = ExitStack()
            self._replica_block.enter_context(reads_from_replica(workspace=request.workspace))

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            record = exc.record
            return Response(
                record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
            )
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        if self._replica_block is not None:
            self._replica_block.close()
            self._replica_block = None
        if self.idempotency_record is not None:
            idempotency.complete(self.idempotency_record, response)
            self.idempotency_record = None
        response = super().finalize_response(request, response, *args, **kwargs)
        for header, value in rate_limit_headers(request).items():
            response[header] = value
        return response


class FileWithJsonErrors(BaseContentNegotiation):
    """For an endpoint that answers a file (a CSV) whatever ``Accept`` says: its first renderer is used,
    and its errors still come as the JSON of every error (the exception handler writes them)."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
