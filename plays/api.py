from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from abs_platform.tenancy.models import Role
from abs_platform.web.booleans import parse_bool
from abs_platform.web.fields import TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import TenantModelViewSet
from accounts.api.common import TenantIdsField
from accounts.models import BuyingRole
from accounts.selectors import accounts_by_ids
from icp.models import Tier
from personas.models import Persona
from tasks.api import PROCEED_PARAM, TouchConflictSerializer

from . import launching, selectors, services
from .launching import ALREADY_RUNNING, MISSING_ROLE, NO_CONTACTS, NO_STEPS, OUTSIDE_AUDIENCE
from .merge import ALLOWED
from .models import (
    Effort,
    LifecycleStage,
    Offer,
    OfferFormat,
    Personalization,
    PlayKind,
    PlayRun,
    PlayStep,
    PlayTemplate,
    RunState,
    TriggerRule,
)

CHECKBOXES = {"template": "plays/checkboxes.html"}


class ChoiceList(serializers.MultipleChoiceField):
    """Several choices, stored as a list in the order of the choices."""

    def to_internal_value(self, data):
        chosen = super().to_internal_value(data)
        return [value for value in self.choices if value in chosen]

    def to_representation(self, value):
        return list(value)


class OfferSerializer(serializers.ModelSerializer):
    personas = TenantRelatedField(
        model=Persona, many=True, required=False, help_text="Suitable personas.", style=CHECKBOXES
    )
    persona_names = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = [
            "id",
            "name",
            "offer_format",
            "effort",
            "personalization",
            "lifecycle_stage",
            "personas",
            "persona_names",
            "link",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_persona_names(self, offer) -> list[str]:
        return [persona.name for persona in offer.personas.all()]

    def create(self, validated_data):
        return services.offer_create(**validated_data)

    def update(self, instance, validated_data):
        return services.offer_update(offer=instance, **validated_data)


class OfferFilter(RequestedFilterSet):
    offer_format = filters.ChoiceFilter(choices=OfferFormat.choices)
    effort = filters.ChoiceFilter(choices=Effort.choices)
    personalization = filters.ChoiceFilter(choices=Personalization.choices)
    lifecycle_stage = filters.ChoiceFilter(choices=LifecycleStage.choices)
    persona = filters.NumberFilter(field_name="personas", distinct=True)

    class Meta:
        model = Offer
        fields = ["offer_format", "effort", "personalization", "lifecycle_stage", "persona"]


class OfferViewSet(TenantModelViewSet):
    """The library of offers (content, events, meetings) that play steps use. Everyone reads; members write.
    Filters: `offer_format`, `effort`, `personalization`, `lifecycle_stage`, `persona`; search over the name."""

    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    fragment_template = "plays/offers.html"

    def scoped_queryset(self):
        return selectors.offer_list()

    def perform_destroy(self, instance):
        services.offer_delete(offer=instance)


class PlayStepSerializer(serializers.ModelSerializer):
    template = TenantRelatedField(model=PlayTemplate)
    offer = TenantRelatedField(model=Offer, required=False, allow_null=True)
    offer_name = serializers.CharField(read_only=True, default=None)

    class Meta:
        model = PlayStep
        fields = [
            "id",
            "template",
            "position",
            "name",
            "day_offset",
            "channel",
            "team_role",
            "offer",
            "offer_name",
            "instructions",
            "message",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "position": {"required": False, "min_value": 1, "help_text": "Order within the play (default: last)."},
            "day_offset": {"help_text": "Days after launch (working days when the play skips weekends)."},
            "message": {"help_text": "Plain text with merge fields, e.g. “Hi {{ contact.first_name }}”."},
        }

    def create(self, validated_data):
        return services.play_step_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("template", None)  # a step stays in its play
        return services.play_step_update(step=instance, **validated_data)


class PlayStepFilter(RequestedFilterSet):
    template = filters.NumberFilter(field_name="template_id")

    class Meta:
        model = PlayStep
        fields = ["template"]


class PlayStepViewSet(TenantModelViewSet):
    """The ordered steps of play templates. A message's merge fields are checked when the step is saved: an
    unknown one is a 400 naming it and the step. Every change raises the template's `version`; runs already
    launched keep their steps. Filter: `template`."""

    serializer_class = PlayStepSerializer
    filterset_class = PlayStepFilter
    ordering_fields = ["position"]
    ordering = ["position"]
    fragment_template = "plays/steps.html"

    def scoped_queryset(self):
        return selectors.play_step_list()

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["merge_fields"] = sorted(ALLOWED)
        context["new_template_id"] = self.request.query_params.get("template", "")
        return context

    def perform_destroy(self, instance):
        services.play_step_delete(step=instance)


class PlayTemplateSerializer(serializers.ModelSerializer):
    tiers = TenantRelatedField(model=Tier, many=True, required=False, help_text="Audience: tiers.", style=CHECKBOXES)
    personas = TenantRelatedField(
        model=Persona, many=True, required=False, help_text="Audience: personas.", style=CHECKBOXES
    )
    buying_roles = ChoiceList(
        choices=BuyingRole.choices, required=False, help_text="Audience: buying roles.", style=CHECKBOXES
    )
    tier_names = serializers.SerializerMethodField()
    persona_names = serializers.SerializerMethodField()
    steps_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = PlayTemplate
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "tiers",
            "tier_names",
            "personas",
            "persona_names",
            "buying_roles",
            "skip_weekends",
            "version",
            "steps_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]
        extra_kwargs = {"kind": {"choices": PlayKind.choices}}

    def get_tier_names(self, template) -> list[str]:
        return [tier.name for tier in template.tiers.all()]

    def get_persona_names(self, template) -> list[str]:
        return [persona.name for persona in template.personas.all()]

    def create(self, validated_data):
        return services.play_template_create(**validated_data)

    def update(self, instance, validated_data):
        return services.play_template_update(template=instance, **validated_data)


class PlayTemplateFilter(RequestedFilterSet):
    kind = filters.ChoiceFilter(choices=PlayKind.choices)

    class Meta:
        model = PlayTemplate
        fields = ["kind"]


class PlayTemplateViewSet(TenantModelViewSet):
    """The playbook: play templates with their kind and audience (tiers, personas, buying roles); their steps
    are `/play-steps/`. Everyone reads; members write. Filter: `kind`; search over the name."""

    serializer_class = PlayTemplateSerializer
    filterset_class = PlayTemplateFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    fragment_template = "plays/templates.html"

    def scoped_queryset(self):
        return selectors.play_template_list()

    def perform_destroy(self, instance):
        services.play_template_delete(template=instance)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        if self.action == "retrieve" and response.status_code == 200:
            context["steps"] = list(selectors.template_steps([data["id"]]).order_by("position", "day_offset", "id"))
        return context


class PlayRunSerializer(serializers.ModelSerializer):
    template_name = serializers.CharField(read_only=True)
    account_name = serializers.CharField(read_only=True)
    tasks_total = serializers.IntegerField(read_only=True, help_text="Tasks of the run (not counting cancelled ones).")
    tasks_done = serializers.IntegerField(read_only=True, help_text="Tasks done or skipped.")
    tasks_open = serializers.IntegerField(read_only=True)
    outcome = serializers.SerializerMethodField(help_text="The best outcome its completed tasks logged.")

    class Meta:
        model = PlayRun
        fields = [
            "id",
            "template",
            "template_name",
            "template_version",
            "account",
            "account_name",
            "state",
            "skip_weekends",
            "started_at",
            "paused_at",
            "finished_at",
            "tasks_total",
            "tasks_done",
            "tasks_open",
            "outcome",
            "signal",
            "steps",
        ]
        read_only_fields = fields

    def get_outcome(self, run) -> str:
        rank = getattr(run, "outcome_rank", None)
        return selectors.OUTCOME_RANK[rank] if rank is not None else ""


class LaunchSerializer(serializers.Serializer):
    template = TenantRelatedField(model=PlayTemplate)
    accounts = TenantIdsField(noun="account", lookup=accounts_by_ids, min_length=1, max_length=200)


class ProblemSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    account_name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=[ALREADY_RUNNING, NO_STEPS, NO_CONTACTS, MISSING_ROLE, OUTSIDE_AUDIENCE],
        help_text="already_running and no_steps block the launch; the others need ?proceed=true.",
    )
    blocking = serializers.BooleanField()
    message = serializers.CharField()


class PlannedTaskSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account.pk")
    account_name = serializers.CharField(source="account.name")
    step = serializers.IntegerField(source="step.position")
    title = serializers.CharField(source="step.name")
    team_role = serializers.CharField(source="step.team_role")
    channel = serializers.CharField(source="step.channel")
    contact = serializers.IntegerField(source="contact.pk", allow_null=True, default=None)
    contact_name = serializers.CharField(source="contact", allow_null=True, default=None)
    assignee = serializers.IntegerField(source="assignee.pk", allow_null=True, default=None)
    assignee_name = serializers.SerializerMethodField()
    due_on = serializers.DateField()
    message = serializers.CharField()

    def get_assignee_name(self, planned) -> str | None:
        user = planned.assignee
        return (user.get_full_name() or user.username) if user else None


class LaunchPlanSerializer(serializers.Serializer):
    template = serializers.IntegerField(source="template.pk")
    template_name = serializers.CharField(source="template.name")
    needs_confirmation = serializers.BooleanField(help_text="Problems or conflicts: launch with ?proceed=true.")
    blocked = serializers.BooleanField(help_text="A problem no confirmation gets past.")
    problems = ProblemSerializer(many=True)
    conflicts = TouchConflictSerializer(many=True)
    tasks = PlannedTaskSerializer(many=True)


class LaunchRefusedError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "launch_refused"

    def __init__(self, plan):
        super().__init__()
        hint = "" if plan.blocked else f" Send ?{PROCEED_PARAM}=true to launch anyway."
        self.detail = {
            "detail": f"The launch has problems or touch conflicts.{hint}",
            "problems": ProblemSerializer(plan.problems, many=True).data,
            "conflicts": TouchConflictSerializer(plan.conflicts, many=True).data,
        }


class PlayRunFilter(RequestedFilterSet):
    account = filters.NumberFilter(field_name="account_id")
    template = filters.NumberFilter(field_name="template_id")
    state = filters.MultipleChoiceFilter(choices=RunState.choices)

    class Meta:
        model = PlayRun
        fields = ["account", "template", "state"]


class PlayRunViewSet(TenantModelViewSet):
    """Plays launched on accounts. POST launches a template on accounts (one run each, with its tasks);
    `preview/` answers the same plan without launching. Problems (no matching contact, a role nobody holds,
    outside the audience) and touch conflicts answer 409 unless `?proceed=true`; a play already running on an
    account, or one without steps, is refused whatever. `pause/`, `resume/`, `cancel/` change a run.
    Everyone reads; members launch. Filters: `account`, `template`, `state` (repeatable)."""

    serializer_class = PlayRunSerializer
    filterset_class = PlayRunFilter
    ordering_fields = ["started_at"]
    ordering = ["-started_at"]
    http_method_names = ["get", "post", "head", "options"]
    fragment_template = "plays/runs.html"

    def scoped_queryset(self):
        return selectors.play_run_list()

    def _launch_input(self):
        body = self.get_serializer(data=self.request.data, serializer_class=LaunchSerializer)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _proceed(self) -> bool:
        try:
            return parse_bool(self.request.query_params.get(PROCEED_PARAM, "false"))
        except ValueError:
            raise serializers.ValidationError({PROCEED_PARAM: ["Use true or false."]}) from None

    @extend_schema(
        request=LaunchSerializer,
        parameters=[OpenApiParameter(PROCEED_PARAM, bool, description="Launch despite problems and conflicts.")],
        responses={201: PlayRunSerializer(many=True), 409: LaunchPlanSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = self._launch_input()
        try:
            runs = launching.play_launch(template=data["template"], accounts=data["accounts"], proceed=self._proceed())
        except launching.LaunchRefused as refused:
            raise LaunchRefusedError(refused.plan) from None
        launched = self.scoped_queryset().filter(pk__in=[run.pk for run in runs]).order_by("account_name", "id")
        response = Response(self.get_serializer(launched, many=True).data, status=status.HTTP_201_CREATED)
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    @extend_schema(request=LaunchSerializer, responses=LaunchPlanSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request, *args, **kwargs):
        """What a launch would do: tasks (due dates, assignees, messages), problems and conflicts."""
        data = self._launch_input()
        plan = launching.plan_launch(data["template"], data["accounts"])
        return Response(LaunchPlanSerializer(plan).data)

    def _change(self, change):
        try:
            run = change(run=self.get_object())
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        response = Response(self.get_serializer(self.scoped_queryset().get(pk=run.pk)).data)
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    @extend_schema(request=None, responses=PlayRunSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, *args, **kwargs):
        """Hold the run's open tasks (cancelled until it resumes)."""
        return self._change(launching.play_run_pause)

    @extend_schema(request=None, responses=PlayRunSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, *args, **kwargs):
        """Open the held tasks again, due as many days later as the run was paused."""
        return self._change(launching.play_run_resume)

    @extend_schema(request=None, responses=PlayRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Stop the run and cancel its open tasks."""
        return self._change(launching.play_run_cancel)

    def get_fragment_template(self, response) -> str:
        if response.status_code < 300 and self.action in ("preview", "pause", "resume", "cancel"):
            partial = "preview" if self.action == "preview" else "detail"
            return f"{self.fragment_template}#{partial}"
        if response.status_code == status.HTTP_409_CONFLICT:
            return f"{self.fragment_template}#refused"
        return super().get_fragment_template(response)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        if self.action in ("retrieve", "pause", "resume", "cancel") and response.status_code == 200:
            context["tasks"] = selectors.run_tasks(data["id"])
        if self.action == "new_form":
            context["play_templates"] = PlayTemplate.objects.order_by("name").values_list("pk", "name")
            context["account_id"] = self.request.query_params.get("account", "")
        if self.action == "preview" and response.status_code == 200:
            context["account_ids"] = sorted(
                {task["account"] for task in data["tasks"]} | {problem["account"] for problem in data["problems"]}
            )
        return context


class TriggerRuleSerializer(serializers.ModelSerializer):
    template = TenantRelatedField(model=PlayTemplate)
    template_name = serializers.SerializerMethodField()

    class Meta:
        model = TriggerRule
        fields = [
            "id",
            "signal_type",
            "template",
            "template_name",
            "action",
            "max_signal_age_days",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # uniqueness per workspace: validate()

    def get_template_name(self, rule) -> str:
        return rule.template.name

    def validate(self, attrs):
        signal_type = attrs.get("signal_type", getattr(self.instance, "signal_type", None))
        template = attrs.get("template", getattr(self.instance, "template", None))
        if services.trigger_rule_taken(signal_type, template, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError(services.TRIGGER_RULE_TAKEN)
        return attrs

    def create(self, validated_data):
        return services.trigger_rule_save(TriggerRule(), **validated_data)

    def update(self, instance, validated_data):
        return services.trigger_rule_save(instance, **validated_data)


class TriggerRuleViewSet(TenantModelViewSet):
    """Trigger rules: a new signal of `signal_type` on a target account suggests the play `template` to the
    account's AE (a task, source `trigger`) or, with `action` `launch`, launches it (despite problems and touch
    conflicts; when it cannot run, the AE gets the suggestion with the reason). Each rule acts once per signal.
    Everyone reads; admins write."""

    serializer_class = TriggerRuleSerializer
    ordering_fields = ["created_at"]
    ordering = ["created_at"]
    write_role = Role.ADMIN
    fragment_template = "plays/trigger_rules.html"

    def scoped_queryset(self):
        return TriggerRule.objects.select_related("template")

    def perform_destroy(self, instance):
        services.trigger_rule_delete(rule=instance)
