"""CSV import batches (accounts, contacts, deals, activities) and CSV exports of accounts and contacts."""

import json

from django.db import models
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from abs_platform.tenancy.context import workspace_today
from abs_platform.web.jobs import job_location
from abs_platform.web.viewsets import TenantModelViewSet

from .. import exports, imports
from ..models import (
    ImportBatch,
    ImportKind,
    ImportStatus,
)
from .accounts import AccountViewSet
from .contacts import ContactViewSet


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    error = serializers.CharField()


class ImportBatchSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField(help_text="Rows per outcome of the last dry run or commit.")
    rows = serializers.SerializerMethodField(
        help_text="Every row's outcome (`row` is the line in the file, the header being 1) when the file has at most "
        "1,000 rows; larger reports are read page by page from `rows/`."
    )
    field_choices = serializers.SerializerMethodField(help_text="The fields that columns can be mapped to.")
    job = ImportJobSerializer(read_only=True, allow_null=True)
    written = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "status",
            "file_name",
            "row_count",
            "headers",
            "mapping",
            "new_accounts_target",
            "field_choices",
            "counts",
            "rows",
            "written",
            "error",
            "job",
            "created_at",
            "committed_at",
        ]
        read_only_fields = fields

    def get_counts(self, batch) -> dict:
        if hasattr(batch, "report_counts"):
            return batch.report_counts or {}
        return batch.report.get("counts", {})

    def get_rows(self, batch) -> list | None:
        if hasattr(batch, "report_counts") or batch.row_count > imports.API_ROWS_INLINE:
            return None
        return batch.report.get("rows", [])

    def get_written(self, batch) -> dict:
        return {} if hasattr(batch, "report_counts") else batch.report.get("written", {})

    def get_field_choices(self, batch) -> list[dict]:
        return [{"name": spec.name, "label": spec.label} for spec in imports.FIELDS[batch.kind]]


class ImportMappingField(serializers.JSONField):
    """A JSON object of column → field; multipart forms send it as a JSON string."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            raise serializers.ValidationError("Send an object of column name → field name.")
        return data


class FormBooleanField(serializers.BooleanField):
    """A boolean whose absence from a multipart form means its default (DRF reads absence there as false)."""

    default_empty_html = empty


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    new_accounts_target = FormBooleanField(
        default=True,
        help_text="Accounts the file creates become target accounts (default true); a mapped Target account "
        "column wins for its rows.",
    )
    file = serializers.FileField(
        help_text="CSV, UTF-8 (BOM optional), comma or semicolon separated; by default at most 10 MB, 200 columns, "
        "50,000 rows and 10,000 characters a cell."
    )
    mapping = ImportMappingField(
        required=False,
        help_text='Column → field, e.g. {"Company": "name", "Web": "domain", "Notes": ""} ("" ignores a column); '
        "columns left out keep their automatic mapping.",
    )


class ImportMappingSerializer(serializers.Serializer):
    mapping = ImportMappingField(required=False)


class ImportRowsQuerySerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=imports.OUTCOMES, required=False)
    offset = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=5000, default=500)


def _import_error_response(error: Exception) -> Response:
    key = {imports.ImportFileError: "file", imports.ImportMappingError: "mapping"}.get(type(error), "detail")
    return Response({key: [str(error)] if key != "detail" else str(error)}, status=status.HTTP_400_BAD_REQUEST)


class ImportBatchViewSet(TenantModelViewSet):
    """CSV imports of accounts, contacts, deals (`opportunities`) or activities: upload, dry run, commit.

    `POST` (multipart: `kind` = accounts | contacts | opportunities | activities, `file`, optional `mapping` as
    JSON) checks the file, maps its columns (automatically by header name and common aliases, overridden by
    `mapping`) and runs the dry run:
    every row's outcome — `create`, `update`, `skip` or `error` with the field, column, value and reason — and
    nothing written. `POST {id}/dry-run/` with a new `mapping` runs it again; `POST {id}/commit/` writes every
    row in one transaction or none (refused while any row has an error). Files of more than 500 rows run as a
    background job: the answer is 202 and `job` shows the progress (poll `GET {id}/`). Accounts are matched by
    normalized domain, contacts by lower-case e-mail; a second row for the same record is an error. Deals and
    activities are always created (their accounts by domain or name); activity times without an offset are in the
    workspace's time zone. An update
    row's `diff` has the old and new value of each changed field. A malformed file (not UTF-8, not valid CSV,
    a NUL character, no header or rows, a required column missing, beyond the size, column, row or cell limits)
    is a 400 naming the problem and where, and nothing is kept."""

    serializer_class = ImportBatchSerializer
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering = ["-created_at"]
    ordering_fields = ["created_at"]

    def scoped_queryset(self):
        queryset = ImportBatch.objects.select_related("job").defer("content")
        if self.action == "list":
            queryset = queryset.defer("content", "report").annotate(report_counts=models.F("report__counts"))
        return queryset

    def perform_destroy(self, instance):
        imports.batch_delete(batch=instance)

    def _answer(self, batch, created=False) -> Response:
        batch = self.scoped_queryset().get(pk=batch.pk)
        headers = {}
        if batch.status in (ImportStatus.VALIDATING, ImportStatus.COMMITTING):
            code = status.HTTP_202_ACCEPTED
            if batch.job_id is not None:
                headers["Location"] = job_location(self.request, batch.job_id)
        else:
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(batch).data, status=code, headers=headers)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses=ImportBatchSerializer)
    def create(self, request, *args, **kwargs):
        upload = self.get_serializer(data=request.data, serializer_class=ImportUploadSerializer)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            batch = imports.batch_create(
                kind=data["kind"], upload=data["file"], new_accounts_target=data["new_accounts_target"]
            )
            batch = imports.batch_set_mapping(batch=batch, mapping=data.get("mapping") or {})
            batch = imports.batch_run(batch=batch, phase="dry_run")
        except (imports.ImportFileError, imports.ImportMappingError, imports.ImportCommitError) as error:
            return _import_error_response(error)
        return self._answer(batch, created=True)

    @extend_schema(request=ImportMappingSerializer, responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request, *args, **kwargs):
        """Run the dry run again, with a changed `mapping` if given."""
        batch = self.get_object()
        payload = self.get_serializer(data=request.data, serializer_class=ImportMappingSerializer)
        payload.is_valid(raise_exception=True)
        try:
            batch = imports.batch_set_mapping(batch=batch, mapping=payload.validated_data.get("mapping") or {})
            batch = imports.batch_run(batch=batch, phase="dry_run")
        except (imports.ImportMappingError, imports.ImportCommitError) as error:
            return _import_error_response(error)
        return self._answer(batch)

    @extend_schema(request=None, responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request, *args, **kwargs):
        """Write the import: every row or none."""
        batch = self.get_object()
        try:
            batch = imports.batch_run(batch=batch, phase="commit")
        except imports.ImportCommitError as error:
            return _import_error_response(error)
        return self._answer(batch)

    @extend_schema(parameters=[ImportRowsQuerySerializer])
    @action(detail=True, methods=["get"])
    def rows(self, request, *args, **kwargs):
        """The report's rows, optionally of one `outcome`, `limit` rows from `offset`."""
        query = ImportRowsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        outcome, offset, limit = (query.validated_data.get(k) for k in ("outcome", "offset", "limit"))
        rows = self.get_object().report.get("rows", [])
        if outcome:
            rows = [row for row in rows if row["outcome"] == outcome]
        return Response({"count": len(rows), "results": rows[offset : offset + limit]})


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors pass through here (the CSV itself is an HttpResponse); they read as JSON text.
        return JSONRenderer().render(data)


def _list_queryset(viewset_class, request):
    """The rows that ``viewset_class``'s list shows for this request's query parameters (filters, search,
    ordering), unpaginated."""
    view = viewset_class(request=request, args=(), kwargs={}, format_kwarg=None, action="list")
    return view.filter_queryset(view.get_queryset())


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AccountExportViewSet(ViewSet):
    """CSV of the accounts list: the same query parameters as `GET /accounts/` (filters, `search`, `ordering`),
    every matching row (not one page). Cells that a spreadsheet would read as a formula (starting with
    `= + - @`, tab, CR or NUL) are prefixed with an apostrophe."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(responses={(200, "text/csv"): str})
    def list(self, request, *args, **kwargs):
        queryset = _list_queryset(AccountViewSet, request)
        return _csv_response(exports.accounts_csv(queryset), f"accounts-{workspace_today():%Y-%m-%d}.csv")


class ContactExportViewSet(ViewSet):
    """CSV of the contacts list: the same query parameters as `GET /contacts/`, every matching row, formula
    cells neutralized as for accounts."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(responses={(200, "text/csv"): str})
    def list(self, request, *args, **kwargs):
        queryset = _list_queryset(ContactViewSet, request)
        return _csv_response(exports.contacts_csv(queryset), f"contacts-{workspace_today():%Y-%m-%d}.csv")
