"""The ICP API: tiers, ICP versions (activate, preview), criteria, sign-offs and tier overrides.

Everyone in the workspace reads; only admins (and read-write API keys) change the ICP and tiers.
"""

import re
from functools import cached_property

from django.db.models import Count
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.models import Role
from abs_platform.web.fields import TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.jobs import job_location
from abs_platform.web.numbers import format_number, parse_number
from abs_platform.web.viewsets import TenantModelViewSet
from accounts import services as account_services
from accounts.models import Account, CompanyType, SignalType

from . import selectors, services
from .insights import ATTRIBUTES, compute_insights
from .models import Criterion, CriterionKind, Department, IdealCustomerProfile, SignOff, Tier
from .scoring import TECHNOLOGY_MODES, criterion_label

# ---------------------------------------------------------------- tiers


class TierSerializer(serializers.ModelSerializer):
    account_count = serializers.IntegerField(read_only=True, default=0)
    over_by = serializers.SerializerMethodField()

    class Meta:
        model = Tier
        fields = ["id", "name", "rank", "engagement_model", "capacity", "description", "account_count", "over_by"]
        read_only_fields = ["id", "account_count", "over_by"]
        extra_kwargs = {"rank": {"min_value": 1, "max_value": 20}, "capacity": {"min_value": 1}}

    def get_over_by(self, tier) -> int:
        count = getattr(tier, "account_count", 0) or 0
        return max(0, count - tier.capacity) if tier.capacity is not None else 0

    def create(self, validated_data):
        return services.tier_create(**validated_data)

    def update(self, instance, validated_data):
        return services.tier_update(tier=instance, **validated_data)


class TierViewSet(TenantModelViewSet):
    """Tiers of effort (rank 1 gets the most). Defaults are created on first use. `account_count` counts
    accounts in the tier (effective tier), `over_by` how far it is over its capacity."""

    serializer_class = TierSerializer
    write_role = Role.ADMIN
    fragment_template = "icp/tiers.html"
    ordering = ["rank"]
    ordering_fields = ["rank"]
    pagination_class = None  # bounded: at most 20 tiers (rank 1–20, unique)

    def scoped_queryset(self):
        return selectors.tier_list().annotate(account_count=Count("accounts"))

    def list(self, request, *args, **kwargs):
        services.tiers_ensure_defaults()
        return super().list(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.tier_delete(tier=instance)


# ---------------------------------------------------------------- ICP versions


class IcpSerializer(serializers.ModelSerializer):
    editable = serializers.SerializerMethodField()
    criteria_count = serializers.SerializerMethodField()
    copy_from = TenantRelatedField(
        model=IdealCustomerProfile,
        write_only=True,
        required=False,
        allow_null=True,
        help_text="Version to copy criteria from (default: the active one).",
    )

    class Meta:
        model = IdealCustomerProfile
        fields = [
            "id",
            "version",
            "name",
            "notes",
            "is_active",
            "activated_at",
            "editable",
            "criteria_count",
            "copy_from",
            "created_at",
        ]
        read_only_fields = ["id", "version", "is_active", "activated_at", "editable", "criteria_count", "created_at"]
        extra_kwargs = {"name": {"required": False}}

    def get_criteria_count(self, icp) -> int:
        count = getattr(icp, "criteria_count", None)
        return icp.criteria.count() if count is None else count

    def get_editable(self, icp) -> bool:
        return selectors.icp_is_editable(icp, self.context.get("active_version", ...))

    def create(self, validated_data):
        return services.icp_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("copy_from", None)
        return services.icp_update(icp=instance, **validated_data)


class PreviewCriterionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CriterionKind.choices)
    params = serializers.JSONField(required=False, default=dict)
    weight = serializers.IntegerField(min_value=1, max_value=100)
    must_have = serializers.BooleanField(required=False, default=False)


class PreviewRequestSerializer(serializers.Serializer):
    criteria = PreviewCriterionSerializer(many=True, help_text="Draft criteria; omitted: the version's own.")


class AcceptInsightsSerializer(serializers.Serializer):
    attributes = serializers.ListField(
        child=serializers.ChoiceField(choices=[name for name, _ in ATTRIBUTES]), allow_empty=False
    )

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):  # an HTML form: repeated checkboxes
            data = {"attributes": data.getlist("attributes")}
        return super().to_internal_value(data)


class IcpViewSet(TenantModelViewSet):
    """ICP versions. Exactly one is active; drafts newer than it are editable, previous versions are
    read-only. `POST` creates a draft copying the active version's criteria; `activate` makes a version
    active and recomputes every fit score in the background (a job); `preview` scores the target accounts
    in memory (nothing is saved) for the version's criteria, or for draft criteria posted as JSON."""

    serializer_class = IcpSerializer
    write_role = Role.ADMIN
    fragment_template = "icp/icps.html"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering = ["-version"]
    ordering_fields = ["version"]

    def scoped_queryset(self):
        return selectors.icp_list()

    def get_write_role(self):
        return self.read_role if self.action == "preview" else self.write_role

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if self.is_htmx() and response.status_code == 201:
            page = reverse("icp:page", kwargs={"tenant_slug": self.tenant.slug})
            response["HX-Redirect"] = f"{page}?version={response.data['version']}"
        return response

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["active_version"] = (
                IdealCustomerProfile.objects.filter(is_active=True).values_list("version", flat=True).first()
            )
        return context

    @extend_schema(request=None, responses={200: IcpSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request, *args, **kwargs):
        icp = self.get_object()
        try:
            job = services.icp_activate(icp=icp)
        except services.ValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        icp.refresh_from_db()
        data = dict(self.get_serializer(icp).data)
        data["job"] = job.pk if job else None
        response = Response(data, headers={"Location": job_location(request, job.pk)} if job else None)
        if self.is_htmx():
            response["HX-Refresh"] = "true"
        return response

    @extend_schema(request=PreviewRequestSerializer, responses={200: dict})
    @action(detail=True, methods=["get", "post"])
    def preview(self, request, *args, **kwargs):
        icp = self.get_object()
        tiers = services.tiers_ensure_defaults()
        names = selectors.technology_names()
        if request.method == "POST" and "criteria" in request.data:
            body = self.get_serializer(data=request.data, serializer_class=PreviewRequestSerializer)
            body.is_valid(raise_exception=True)
            drafts = []
            errors = {}
            for index, item in enumerate(body.validated_data["criteria"]):
                criterion = Criterion(icp=icp, **item)
                try:
                    services.criterion_clean(criterion)
                except services.ValidationError as error:
                    errors[str(index)] = error.message_dict
                drafts.append(criterion)
            if errors:
                raise serializers.ValidationError({"criteria": errors})
        else:
            drafts = list(icp.criteria.order_by("position", "id"))
        preview = selectors.icp_preview(selectors.criteria_specs(drafts, names), today=workspace_today(), tiers=tiers)
        self._preview = preview
        return Response(
            {
                "icp": icp.pk,
                "targets": preview.targets,
                "matching": preview.matching,
                "threshold": preview.threshold,
                "unscored": preview.unscored,
                "buckets": preview.buckets,
                "tier_change_count": preview.tier_change_count,
                "tier_changes": [
                    {
                        "account": change.id,
                        "name": change.name,
                        "old_score": change.old_score,
                        "new_score": change.new_score,
                        "old_rank": change.old_rank,
                        "new_rank": change.new_rank,
                        "old_tier": change.old_tier,
                        "new_tier": change.new_tier,
                    }
                    for change in preview.tier_changes
                ],
                "elapsed_ms": preview.elapsed_ms,
            }
        )

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        if self.action == "insights":
            context["insights"] = data
            context["is_admin"] = False  # the fragment is read-only; the page carries the accept form
        return context

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def insights(self, request, *args, **kwargs):
        """Win rate and lift per attribute value over closed deals, with suggested criteria (see icp/insights.py)."""
        return Response(compute_insights(selectors.deal_facts()))

    @extend_schema(request=AcceptInsightsSerializer, responses={201: IcpSerializer})
    @action(detail=False, methods=["post"], url_path="insights/accept")
    def accept_insights(self, request, *args, **kwargs):
        """A new draft version with the suggested criteria of the chosen attributes."""
        body = self.get_serializer(data=request.data, serializer_class=AcceptInsightsSerializer)
        body.is_valid(raise_exception=True)
        try:
            icp = services.icp_accept_insights(attributes=body.validated_data["attributes"])
        except services.ValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        response = Response(self.get_serializer(icp).data, status=status.HTTP_201_CREATED)
        if self.is_htmx():
            page = reverse("icp:page", kwargs={"tenant_slug": self.tenant.slug})
            response["HX-Redirect"] = f"{page}?version={icp.version}"
        return response

    def get_fragment_template(self, response):
        if self.action == "insights":
            return "icp/insights.html#attributes"
        if self.action == "accept_insights":
            return "partials/error.html" if response.status_code >= 400 else f"{self.fragment_template}#created"
        if self.action in ("preview", "activate") and response.status_code < 400:
            return f"{self.fragment_template}#{self.action}"
        if self.action == "activate":
            return "partials/error.html"
        return super().get_fragment_template(response)


# ---------------------------------------------------------------- criteria

FORM_SET_KINDS = {CriterionKind.INDUSTRY, CriterionKind.COUNTRY, CriterionKind.COMPANY_TYPE}
FORM_RANGE_KINDS = {CriterionKind.EMPLOYEES, CriterionKind.REVENUE, CriterionKind.GROWTH}
TRUE_VALUES = {"on", "true", "1", "yes"}


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in re.split(r"[,\n]", value) if part.strip()]


def _form_number(text: str | None) -> str | None:
    """A bound as typed in the reader's locale (``1,000,000``); text that is no such number goes on to the
    params' own check, which names it."""
    if not text:
        return None
    try:
        return str(parse_number(text))
    except ValueError:
        return text


def params_from_form(data) -> dict:
    """An HTML form's flat fields (``values``, ``min``, ``max``, ``mode``, ``technology_ids``,
    ``signal_types``, ``within_days``) as the ``params`` object of its kind."""
    kind = data.get("kind")
    if kind in FORM_SET_KINDS:
        return {"values": _split(data.getlist("values"))}
    if kind in FORM_RANGE_KINDS:
        return {"min": _form_number(data.get("min")), "max": _form_number(data.get("max"))}
    if kind == CriterionKind.TECHNOLOGY:
        return {"mode": data.get("mode") or "any", "technology_ids": data.getlist("technology_ids")}
    if kind == CriterionKind.TRIGGER_EVENT:
        return {"signal_types": data.getlist("signal_types"), "within_days": data.get("within_days")}
    return {}


class CriterionSerializer(serializers.ModelSerializer):
    icp = TenantRelatedField(model=IdealCustomerProfile)
    # Defaults for a new criterion only: a full update (PUT) that leaves them out keeps the criterion's own.
    params = serializers.JSONField(required=False, default=serializers.CreateOnlyDefault(dict))
    weight = serializers.IntegerField(min_value=1, max_value=100, default=serializers.CreateOnlyDefault(10))
    label = serializers.SerializerMethodField()
    # The dashboard's form posts the params as fields of their own (``params_from_form``).
    form_only_keys = ("values", "min", "max", "mode", "technology_ids", "signal_types", "within_days")

    class Meta:
        model = Criterion
        fields = ["id", "icp", "kind", "params", "weight", "must_have", "position", "label"]
        read_only_fields = ["id", "label"]
        extra_kwargs = {"position": {"required": False}}

    def to_internal_value(self, data):
        if hasattr(data, "getlist") and "params" not in data:  # an HTML form (htmx)
            form = {key: data.get(key) for key in data if key not in ("values", "technology_ids", "signal_types")}
            form["params"] = params_from_form(data)
            form["must_have"] = (data.get("must_have") or "").lower() in TRUE_VALUES
            if not form.get("position"):
                form.pop("position", None)
            data = form
        return super().to_internal_value(data)

    def get_label(self, criterion) -> str:
        names = self.context.get("technology_names")
        return criterion_label(criterion.kind, criterion.params, names() if callable(names) else names)

    def create(self, validated_data):
        return services.criterion_create(**validated_data)

    def update(self, instance, validated_data):
        return services.criterion_update(criterion=instance, **validated_data)


class CriterionFilter(RequestedFilterSet):
    icp = filters.NumberFilter(field_name="icp_id")

    class Meta:
        model = Criterion
        fields = ["icp"]


class CriterionViewSet(TenantModelViewSet):
    """Weighted criteria of an ICP version (filter with `icp`; paginated, by position). `params` by `kind`:
    industry, country, company_type `{"values": [...]}`; employees, revenue, growth `{"min": x, "max": y}`
    (either optional); technology `{"mode": "any"|"all"|"none", "technology_ids": [...]}`; trigger_event
    `{"signal_types": [...], "within_days": N}`; existing_customer `{}`. `weight` 1–100. On create `params`
    defaults to `{}` and `weight` to 10; a `PUT` without them keeps the criterion's own. Criteria of previous
    (read-only) versions cannot change."""

    serializer_class = CriterionSerializer
    filterset_class = CriterionFilter
    write_role = Role.ADMIN
    fragment_template = "icp/criteria.html"
    ordering = ["position"]
    ordering_fields = ["position"]

    def scoped_queryset(self):
        return selectors.criterion_list()

    @cached_property
    def _technology_names(self):
        return selectors.technology_names()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["technology_names"] = lambda: self._technology_names
        return context

    def perform_destroy(self, instance):
        services.criterion_delete(criterion=instance)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        try:
            self.perform_destroy(instance)
        except services.ValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        if self.is_htmx():
            response = Response(status=status.HTTP_200_OK)
            response["HX-Trigger"] = "objectsChanged"
            return response
        return Response(status=status.HTTP_204_NO_CONTENT)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        if self.is_htmx() and response.status_code == 200:
            response["HX-Trigger"] = "objectsChanged"
        return response

    def get_fragment_template(self, response):
        if self.action == "destroy" and response.status_code == 400:
            return "partials/error.html"
        return super().get_fragment_template(response)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        form_data = getattr(getattr(data, "serializer", None), "initial_data", None)
        values = {}
        if self.action == "new_form":
            values = {"kind": self.request.query_params.get("kind") or CriterionKind.INDUSTRY, "weight": 10}
            values["icp"] = self.request.query_params.get("icp")
        elif form_data is not None and response.status_code == 400:
            values = {key: form_data.get(key) for key in form_data}
            values["values"] = ", ".join(form_data.getlist("values")) if hasattr(form_data, "getlist") else ""
            values["technology_ids"] = (
                [int(pk) for pk in form_data.getlist("technology_ids") if pk.isdigit()]
                if hasattr(form_data, "getlist")
                else []
            )
            values["signal_types"] = form_data.getlist("signal_types") if hasattr(form_data, "getlist") else []
        elif self.action == "edit_form" and isinstance(data, dict):
            params = data.get("params") or {}
            values = {**data, **params, "values": ", ".join(params.get("values", []))}
            values.update({bound: format_number(params.get(bound)) for bound in ("min", "max")})  # as typed
        if self.action == "list" and response.status_code == 200:
            icp_id = self.request.query_params.get("icp")
            icp = (
                IdealCustomerProfile.objects.annotate(
                    sign_off_count=Count("sign_offs"), total_weight=selectors.criteria_weight_subquery()
                )
                .filter(pk=icp_id)
                .first()
                if (icp_id or "").isdigit()
                else None
            )
            context["icp"] = icp
            context["can_edit"] = context["can_edit"] and icp is not None and selectors.icp_is_editable(icp)
            # the version's whole weight, not the page's; unfiltered, the rows shown
            context["total_weight"] = (icp.total_weight or 0) if icp else sum(row["weight"] for row in data["results"])
            context["sign_off_count"] = icp.sign_off_count if icp is not None else 0
        context.update(
            {
                "form": values,
                "kinds": CriterionKind.choices,
                "technologies": sorted(self._technology_names.items(), key=lambda item: item[1].lower()),
                "technology_modes": TECHNOLOGY_MODES,
                "signal_types": SignalType.choices,
                "company_types": CompanyType.choices,
                "set_kinds": [kind.value for kind in FORM_SET_KINDS],
                "range_kinds": [kind.value for kind in FORM_RANGE_KINDS],
                "editing_id": self.kwargs.get("pk")
                if self.action in ("edit_form", "update", "partial_update")
                else None,
            }
        )
        return context


# ---------------------------------------------------------------- sign-offs


class SignOffSerializer(serializers.ModelSerializer):
    icp = TenantRelatedField(model=IdealCustomerProfile)
    signed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = SignOff
        fields = ["id", "icp", "department", "note", "signed_by", "signed_by_name", "created_at"]
        read_only_fields = ["id", "signed_by", "signed_by_name", "created_at"]

    def get_signed_by_name(self, sign_off) -> str:
        user = sign_off.signed_by
        return (user.get_full_name() or user.username) if user else ""

    def create(self, validated_data):
        return services.sign_off_create(**validated_data)


class SignOffFilter(RequestedFilterSet):
    icp = filters.NumberFilter(field_name="icp_id")

    class Meta:
        model = SignOff
        fields = ["icp", "department"]


class SignOffViewSet(TenantModelViewSet):
    """Department sign-offs of an ICP version (filter with `icp`); one per department and version.
    Withdraw one with `DELETE`. Previous versions are read-only."""

    serializer_class = SignOffSerializer
    filterset_class = SignOffFilter
    write_role = Role.ADMIN
    fragment_template = "icp/sign_offs.html"
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering = ["department"]
    ordering_fields = ["department", "created_at"]
    pagination_class = None  # bounded: at most one per department and version

    def scoped_queryset(self):
        return selectors.sign_off_list()

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        try:
            services.sign_off_delete(sign_off=instance)
        except services.ValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        if self.is_htmx():
            response = Response(status=status.HTTP_200_OK)
            response["HX-Trigger"] = "objectsChanged"
            return response
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_fragment_template(self, response):
        if self.action == "destroy":
            return "partials/error.html"
        return super().get_fragment_template(response)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["departments"] = Department.choices
        if self.action == "list" and isinstance(data, list):
            signed = {row["department"] for row in data}
            context["missing"] = [(value, label) for value, label in Department.choices if value not in signed]
            context["department_labels"] = dict(Department.choices)
            icp_id = self.request.query_params.get("icp")
            icp = IdealCustomerProfile.objects.filter(pk=icp_id).first() if (icp_id or "").isdigit() else None
            context["icp"] = icp
            context["can_edit"] = context["can_edit"] and icp is not None and selectors.icp_is_editable(icp)
        return context


# ---------------------------------------------------------------- tier overrides


class TierOverrideSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account, write_only=True)
    tier = TenantRelatedField(model=Tier)
    reason = serializers.CharField(source="tier_override_reason", max_length=300, allow_blank=True)

    class Meta:
        model = Account
        fields = ["id", "account", "name", "tier", "suggested_tier", "fit_score", "reason"]
        read_only_fields = ["id", "name", "suggested_tier", "fit_score"]

    def create(self, validated_data):
        return account_services.account_override_tier(
            account=validated_data["account"],
            tier=validated_data["tier"],
            reason=validated_data.get("tier_override_reason", ""),
        )


class TierOverrideViewSet(TenantModelViewSet):
    """Manual tiers. `POST {"account", "tier", "reason"}` puts an account in a tier (reason required);
    `DELETE /tier-overrides/<account id>/` returns it to its suggested tier; `GET` lists overridden
    accounts."""

    serializer_class = TierOverrideSerializer
    write_role = Role.ADMIN
    fragment_template = "icp/tier_overrides.html"
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering = ["name"]
    ordering_fields = ["name"]

    def scoped_queryset(self):
        queryset = Account.objects.only(
            "id", "tenant_id", "name", "tier_id", "suggested_tier_id", "fit_score", "tier_override_reason"
        )
        if self.action == "list":
            queryset = queryset.exclude(tier_override_reason="")
        return queryset

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def destroy(self, request, *args, **kwargs):
        account = Account.objects.get(pk=self.get_object().pk)  # the full row, for the audit log
        account_services.account_clear_tier_override(account=account)
        if self.is_htmx():
            response = Response(status=status.HTTP_200_OK)
            response["HX-Trigger"] = "objectsChanged"
            return response
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_fragment_template(self, response):
        if self.action == "destroy" or (response.status_code >= 400 and self.action != "create"):
            return "partials/error.html"
        return super().get_fragment_template(response)
