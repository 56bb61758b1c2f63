from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import idempotency


class WorkspaceAPIView(APIView):
    """Base of every ``/api/v1`` view: the request's workspace and ``Idempotency-Key`` on POST."""

    idempotency_record = None

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

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            record = exc.record
            return Response(
                record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
            )
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        if self.idempotency_record is not None:
            idempotency.complete(self.idempotency_record, response)
            self.idempotency_record = None
        return super().finalize_response(request, response, *args, **kwargs)
