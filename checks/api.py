"""The checks' API: per-account coverage results, open stale records, the workspace summary, and "run now"."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import get_current_tenant
from abs_platform.tenancy.models import Role
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.jobs import JobRunViewSet
from abs_platform.web.viewsets import TenantModelViewSet

from . import selectors, services
from .models import CoverageResult, GapKind, StaleMark, StaleReason


class CoverageResultSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    tier = serializers.IntegerField(source="account.tier_id", read_only=True, allow_null=True)
    tier_name = serializers.CharField(source="account.tier.name", read_only=True, default="")

    class Meta:
        model = CoverageResult
        fields = [
            "id",
            "account",
            "account_name",
            "tier",
            "tier_name",
            "checked_at",
            "data_complete",
            "missing_fields",
            "firmographics_verified",
            "personas_required",
            "personas_covered",
            "team_complete",
            "missing_roles",
            "gaps",
        ]
        read_only_fields = fields


class CoverageResultFilter(RequestedFilterSet):
    gap = filters.ChoiceFilter(choices=GapKind.choices, method="filter_gap")
    tier = filters.NumberFilter(field_name="account__tier_id")

    class Meta:
        model = CoverageResult
        fields = ["gap", "tier"]

    def filter_gap(self, queryset, name, value):
        return queryset.filter(selectors.GAP_FILTERS[value])


class _RunViewSet(JobRunViewSet):
    """``POST``: queue a run of the check (``JobRunViewSet``; htmx: the job's progress, polling itself)."""

    def get_fragment_template(self, response) -> str:
        return "checks/job.html" if response.status_code < 300 else "partials/error.html"

    def get_fragment_context(self, data, response) -> dict:
        job = Job.objects.filter(pk=data.get("id")).first() if response.status_code < 300 else None
        return {"job": job, "tenant": get_current_tenant(), "data": data, "status": response.status_code}


class CoverageRunViewSet(_RunViewSet):
    """Start a coverage check of the workspace now (`POST /checks/coverage/run/`): 202, the job, and its
    `Location` (`GET /jobs/{id}/` shows its progress and, once succeeded, its counts)."""

    enqueue = staticmethod(services.coverage_check_enqueue)


class DecayRunViewSet(_RunViewSet):
    """Start a data-decay check of the workspace now (`POST /checks/stale/run/`): 202, the job, and its
    `Location`."""

    enqueue = staticmethod(services.decay_check_enqueue)


class CoverageResultViewSet(TenantModelViewSet):
    """The last coverage check of each target account, by account name: `data_complete` (the workspace's
    required fields filled, `missing_fields`, and `firmographics_verified` within 12 months), `personas_required`
    and `personas_covered` (the tier's committee), `team_complete` (a team, nobody missing of `missing_roles`),
    `gaps` (`data`, `personas`, `team`). Filters: `gap`, `tier`. Read only."""

    serializer_class = CoverageResultSerializer
    filterset_class = CoverageResultFilter
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "head", "options"]
    ordering = ["account__name", "id"]
    ordering_fields = ["checked_at"]
    new_form = edit_form = row = None

    def scoped_queryset(self):
        return selectors.coverage_result_list()


class StaleMarkSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    contact_name = serializers.SerializerMethodField()

    class Meta:
        model = StaleMark
        fields = ["id", "account", "account_name", "contact", "contact_name", "reason", "since"]
        read_only_fields = fields

    def get_contact_name(self, mark) -> str:
        return str(mark.contact) if mark.contact_id else ""


class StaleMarkFilter(RequestedFilterSet):
    reason = filters.ChoiceFilter(choices=StaleReason.choices)
    record = filters.ChoiceFilter(choices=[("contact", "Contacts"), ("account", "Accounts")], method="filter_record")

    class Meta:
        model = StaleMark
        fields = ["reason", "record"]

    def filter_record(self, queryset, name, value):
        return queryset.filter(contact__isnull=value == "account")


class StaleMarkViewSet(TenantModelViewSet):
    """Records the data-decay check found stale, newest first: a contact (`contact` set) or a target account's
    firmographics, with the `reason` (`expired`, `unverified`, `bounced`, `left_company`, `firmographics`) and
    `since` (when it became stale). Filters: `reason`, `record` (`contact`, `account`). Read only."""

    serializer_class = StaleMarkSerializer
    filterset_class = StaleMarkFilter
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "head", "options"]
    ordering = ["-since", "id"]
    ordering_fields = ["since"]
    new_form = edit_form = row = None

    def scoped_queryset(self):
        return selectors.stale_mark_list()


class DecayRateSerializer(serializers.Serializer):
    window_start = serializers.DateField()
    contacts_at_start = serializers.IntegerField()
    decayed = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)
    expected_percent = serializers.IntegerField()


class ProjectionSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    personas_required = serializers.IntegerField()
    personas_covered = serializers.IntegerField()
    personas_percent = serializers.IntegerField(allow_null=True)


@extend_schema_serializer(many=False)  # the list action answers one object, not a list
class CheckSummarySerializer(serializers.Serializer):
    coverage_checked_at = serializers.DateTimeField(allow_null=True)
    decay_checked_at = serializers.DateTimeField(allow_null=True)
    accounts = serializers.IntegerField()
    without_gap = serializers.IntegerField()
    accounts_percent = serializers.IntegerField(allow_null=True)
    accounts_goal = serializers.IntegerField()
    data_complete = serializers.IntegerField()
    team_complete = serializers.IntegerField()
    personas_required = serializers.IntegerField()
    personas_covered = serializers.IntegerField()
    personas_percent = serializers.IntegerField(allow_null=True)
    personas_goal = serializers.IntegerField()
    stale_by_reason = serializers.DictField(child=serializers.IntegerField())
    decay = DecayRateSerializer()
    projections = ProjectionSerializer(many=True)


class CheckSummaryViewSet(ViewSet):
    """The workspace's data health (`GET /checks/summary/`, formulas in docs/metrics.md)."""

    read_role = Role.VIEWER
    renderer_classes = [JSONRenderer]

    def get_write_role(self):
        return Role.ADMIN

    @extend_schema(responses=CheckSummarySerializer)
    def list(self, request, *args, **kwargs):
        return Response(CheckSummarySerializer(selectors.summary()).data)
