"""``/imports`` of ``/api/v1`` (API.md): upload a CSV (202, the job), follow it, cancel it, fetch its error
report."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts import scopes
from campaigns.importing import selectors, services
from campaigns.importing.report import error_report_response
from campaigns.importing.serializers import ImportCreateSerializer, ImportJobSerializer
from campaigns.models import Campaign
from core.api.schema import IDEMPOTENCY_KEY, NOT_FOUND
from core.api.views import FileWithJsonErrors, WorkspaceAPIView
from core.middleware import content_length

# Multipart boundaries and the other fields of an upload fit in this; a body longer than the file limit plus
# this is refused before it is read.
MULTIPART_OVERHEAD = 64 * 1024


class ImportListView(WorkspaceAPIView, generics.ListAPIView):
    """The workspace's imports, newest first. POST uploads a CSV file (multipart) and answers 202 with the
    queued job; a worker imports it in the background."""

    required_scopes = scopes.every_method("imports:write")
    replica_reads = True

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return selectors.imports_for_workspace(workspace=self.workspace)

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            # Who asks comes first: a stranger's oversized upload is a 401/403, not a 413.
            self.perform_authentication(request)
            self.check_permissions(request)
            length = content_length(request)
            if length > settings.IMPORT_MAX_FILE_SIZE + MULTIPART_OVERHEAD:
                raise services.FileTooLarge(length)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=ImportCreateSerializer,
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(
                description="invalid: the file is empty, not text, has no data rows or no email column "
                "(the message names the headers found), or the mapping names an unknown column or field."
            ),
            404: OpenApiResponse(description="not_found: the campaign is not one of this workspace."),
            409: OpenApiResponse(description="conflict: the campaign is archived."),
            413: OpenApiResponse(description="file_too_large: details size and limit (bytes)."),
        },
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = ImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign_id = data.get("campaign")
        campaign = (
            None
            if campaign_id is None
            else Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        )
        job = services.import_create(
            workspace=self.workspace,
            user=request.user,
            upload=data["file"],
            campaign=campaign,
            mapping=data.get("mapping"),
            on_duplicate=data["on_duplicate"],
        )
        return Response(
            ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )


class ImportDetailView(WorkspaceAPIView):
    required_scopes = scopes.every_method("imports:write")

    @extend_schema(responses={200: ImportJobSerializer, 404: NOT_FOUND})
    def get(self, request, job_id):
        job = selectors.import_for_workspace(workspace=self.workspace, job_id=job_id)
        return Response(ImportJobSerializer(job, context={"request": request}).data)


class ImportCancelView(WorkspaceAPIView):
    """Stops the job after the chunk being written; the rows already committed stay."""

    required_scopes = scopes.every_method("imports:write")

    @extend_schema(
        request=None,
        responses={
            200: ImportJobSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(description="conflict: the job has finished already."),
        },
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, job_id):
        job = selectors.import_for_workspace(workspace=self.workspace, job_id=job_id)
        job = services.import_cancel(workspace=self.workspace, job=job)
        return Response(ImportJobSerializer(job, context={"request": request}).data)


class ImportErrorsView(WorkspaceAPIView):
    """Every row not imported (invalid, duplicate, over the active-leads limit): row_number, reason, then
    the row's original columns; cells that a spreadsheet would run as formulas start with '."""

    required_scopes = scopes.every_method("imports:write")

    content_negotiation_class = FileWithJsonErrors

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY, 404: NOT_FOUND})
    def get(self, request, job_id):
        job = selectors.import_for_workspace(workspace=self.workspace, job_id=job_id)
        return error_report_response(self.workspace, job)
