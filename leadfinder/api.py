"""``/leadfinder`` of ``/api/v1`` (API.md): search prospects for free, take them for lead credits."""

import binascii
from base64 import b64decode, b64encode
from urllib import parse

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from accounts import scopes
from campaigns.models import Campaign
from core.api.pagination import INVALID_CURSOR, CursorPagination
from core.api.schema import IDEMPOTENCY_KEY
from core.api.views import FileWithJsonErrors, WorkspaceAPIView
from leadfinder import selectors, services
from leadfinder.files import download_file_response
from leadfinder.models import Download
from leadfinder.serializers import (
    DownloadCreatedSerializer,
    DownloadRequestSerializer,
    DownloadSerializer,
    FilterOptionsSerializer,
    ProspectSearchQuerySerializer,
    ProspectSerializer,
)

NOT_FOUND = OpenApiResponse(description="not_found: no such download (or campaign) in this workspace.")


class ProspectPagination(CursorPagination):
    """The API's cursor pages plus ``count`` (exact up to 10,000, else an estimate) and ``count_is_exact``.

    A ``next`` cursor carries the first page's count: the pages after it show that count and do not count
    again (at 10,000,000 prospects a count costs up to 150 ms, docs/benchmarks.md)."""

    def paginate_queryset(self, queryset, request, view=None):
        carried = self.carried_count(request)
        with selectors.search_memory(queryset):
            if carried is not None:
                self.count, self.count_is_exact = carried
            else:
                self.count, self.count_is_exact, ids = selectors.prospects_counted(queryset)
                if ids is not None:  # every match is known: read the page by id rather than search again
                    queryset = selectors.prospects_among(ids)
            if not self.count_is_exact:
                queryset = selectors.prospects_search(
                    workspace=view.workspace, filters=view.filters, broad=True
                )
            return super().paginate_queryset(queryset, request, view)

    def carried_count(self, request):
        """``(count, is_exact)`` from the request's cursor; None on the first page (or a cursor without)."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii"), validate=True).decode("ascii"))
        except (UnicodeError, binascii.Error, ValueError):
            return None  # decode_cursor answers the 400
        count, exact = tokens.get("n", [None])[0], tokens.get("x", [None])[0]
        if count is None and exact is None:
            return None
        if not (count and count.isascii() and count.isdigit() and len(count) <= 12 and exact in ("0", "1")):
            raise ValidationError({"cursor": [INVALID_CURSOR]})
        return int(count), exact == "1"

    def encode_cursor(self, cursor):
        tokens = {"o": cursor.offset, "r": int(cursor.reverse), "p": cursor.position}
        tokens = {name: value for name, value in tokens.items() if value not in (0, None)}
        tokens |= {"n": self.count, "x": int(self.count_is_exact)}
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_is_exact": self.count_is_exact,
                "results": data,
                "next": self.get_next_link(),
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "count_is_exact", *response["required"]]
        response["properties"] = {
            "count": {
                "type": "integer",
                "description": (
                    "Exact up to 10,000; beyond, an estimate. A page reached by `next` shows the first"
                    " page's."
                ),
            },
            "count_is_exact": {"type": "boolean"},
            **response["properties"],
        }
        return response


class FilterOptionsView(WorkspaceAPIView):
    """The allowed values of each enumerated filter, with their labels."""

    required_scopes = scopes.read_write("leadfinder")

    @extend_schema(responses=FilterOptionsSerializer)
    def get(self, request):
        return Response(FilterOptionsSerializer(selectors.filter_options()).data)


class ProspectListView(WorkspaceAPIView, generics.ListAPIView):
    """Searches the prospect database, newest first; free (throttled like the rest of the API). Repeat a
    filter for any of its values; different filters must all match. Unowned prospects show a masked
    email and no phone or LinkedIn."""

    required_scopes = scopes.read_write("leadfinder")
    replica_reads = True

    serializer_class = ProspectSerializer
    pagination_class = ProspectPagination

    def get_queryset(self):
        query = ProspectSearchQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        self.filters = selectors.ProspectFilters.from_data(query.validated_data)
        return selectors.prospects_search(workspace=self.workspace, filters=self.filters)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.mark_owned(workspace=self.workspace, prospects=page)

    @extend_schema(parameters=[ProspectSearchQuerySerializer], responses=ProspectSerializer(many=True))
    def get(self, request):
        return super().get(request)


class DownloadListView(WorkspaceAPIView, generics.ListAPIView):
    """The workspace's downloads, newest first. POST takes prospects: by ids, or the first ``limit`` of a
    search (at most 10,000), optionally into a campaign."""

    required_scopes = {"GET": "leadfinder:read", "POST": "leadfinder:spend"}
    replica_reads = True

    serializer_class = DownloadSerializer

    def get_queryset(self):
        return selectors.downloads_for_workspace(workspace=self.workspace)

    @extend_schema(
        request=DownloadRequestSerializer,
        responses={
            201: DownloadCreatedSerializer,
            402: OpenApiResponse(
                description=(
                    "insufficient_lead_credits: details needed and balance; or member_credit_cap_reached:"
                    " the key's creator is past the credit cap an owner set them, details cap and spent."
                    " Nothing charged."
                )
            ),
            404: NOT_FOUND,
            409: OpenApiResponse(description="conflict: the campaign is archived."),
        },
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = DownloadRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = None
        if data.get("campaign") is not None:
            campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, data["campaign"])
        filters = data.get("filters")
        download = services.download_create(
            workspace=self.workspace,
            prospect_ids=data.get("prospect_ids"),
            filters=None if filters is None else selectors.ProspectFilters.from_data(filters),
            limit=data.get("limit"),
            campaign=campaign,
            allow_partial=data["allow_partial"],
            actor=request.user,
        )
        answer = DownloadCreatedSerializer(download, context={"request": request})
        return Response(answer.data, status=status.HTTP_201_CREATED)


class DownloadDetailView(WorkspaceAPIView):
    required_scopes = scopes.read_write("leadfinder")

    @extend_schema(responses={200: DownloadSerializer, 404: NOT_FOUND})
    def get(self, request, download_id):
        download = Download.objects.get_for_workspace_or_404(self.workspace, download_id)
        return Response(DownloadSerializer(download, context={"request": request}).data)


class DownloadFileView(WorkspaceAPIView):
    """The CSV of a download, again, for free."""

    required_scopes = scopes.read_write("leadfinder")

    content_negotiation_class = FileWithJsonErrors

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY, 404: NOT_FOUND})
    def get(self, request, download_id):
        download = Download.objects.get_for_workspace_or_404(self.workspace, download_id)
        return download_file_response(download)
