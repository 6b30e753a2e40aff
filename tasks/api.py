"""Tasks: the API and the htmx fragments of "My day" and the account page's task section, from one viewset."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from abs_platform.tenancy.context import acting_user_id, workspace_today, workspace_zone
from abs_platform.tenancy.models import Role
from abs_platform.tenancy.selectors import assignable_members
from abs_platform.web.booleans import parse_bool
from abs_platform.web.fields import TenantMemberField, TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.jobs import JobRunViewSet
from abs_platform.web.viewsets import TenantModelViewSet, refuse_unknown_fields
from accounts.models import Account, ActivityChannel, ActivityOutcome, Contact, check_activity_time
from accounts.selectors import account_contact_choices
from teams.models import TeamRole

from . import selectors, services
from .conflicts import PlannedTouch, touch_conflicts, touch_teams
from .models import Task, TaskSource, TaskState, TouchLimit

PROCEED_PARAM = "proceed"
STATE_ACTIONS = ("complete", "skip", "cancel", "reopen")


class TaskSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account, style={"in_form": False})
    account_name = serializers.SerializerMethodField()
    contact = TenantRelatedField(
        model=Contact, required=False, allow_null=True, help_text="A contact of the task's account."
    )
    contact_name = serializers.SerializerMethodField()
    assignee = TenantMemberField(required=False, allow_null=True, initial=acting_user_id)
    assignee_name = serializers.SerializerMethodField()
    due_on = serializers.DateField(initial=lambda: workspace_today().isoformat())
    outcome = serializers.SerializerMethodField(help_text="The outcome logged when the task was completed.")
    overdue = serializers.SerializerMethodField(help_text="Open and due before today (the workspace's day).")

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "account",
            "account_name",
            "contact",
            "contact_name",
            "assignee",
            "assignee_name",
            "team_role",
            "channel",
            "due_on",
            "instructions",
            "message",
            "state",
            "source",
            "completed_at",
            "activity",
            "outcome",
            "overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "state", "source", "completed_at", "activity", "created_at", "updated_at"]
        extra_kwargs = {"title": {"style": {"placeholder": "e.g. Call the CFO about the business case"}}}

    def get_account_name(self, task) -> str:
        return task.account.name

    def get_contact_name(self, task) -> str:
        return str(task.contact) if task.contact_id else ""

    def get_assignee_name(self, task) -> str:
        assignee = task.assignee
        return (assignee.get_full_name() or assignee.username) if assignee else ""

    def get_outcome(self, task) -> str:
        return task.activity.outcome if task.activity_id else ""

    def get_overdue(self, task) -> bool:
        return task.state == TaskState.OPEN and task.due_on < self.context["today"]

    def validate_account(self, value):
        if self.instance is not None and value != self.instance.account:
            raise serializers.ValidationError("A task stays on its account; cancel it and add one to the other.")
        return value

    def create(self, validated_data):
        return services.task_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("account", None)
        return services.task_update(instance, **validated_data)


class TaskCompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ActivityOutcome.choices, allow_blank=True, default="")
    notes = serializers.CharField(allow_blank=True, default="", style={"base_template": "textarea.html"})
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When it was done (default: now); not in the future."
    )

    def to_internal_value(self, data):
        with timezone.override(workspace_zone()):
            return super().to_internal_value(data)

    def validate_occurred_at(self, value):
        try:
            check_activity_time(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value


class MyDaySerializer(serializers.Serializer):
    today = serializers.DateField()
    overdue = TaskSerializer(many=True)
    due_today = TaskSerializer(many=True)
    upcoming = TaskSerializer(many=True)


class TouchConflictSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact_id")
    contact_name = serializers.CharField()
    on = serializers.DateField()
    kind = serializers.ChoiceField(choices=["too_many", "two_teams_same_day"])
    touches = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()


class TouchConflictsFound(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "touch_conflict"

    def __init__(self, conflicts):
        super().__init__()
        self.detail = {
            "detail": f"This task would give a contact too many touches; send ?{PROCEED_PARAM}=true to create it "
            "anyway.",
            "conflicts": TouchConflictSerializer(conflicts, many=True).data,
        }


class AssigneeFilter(filters.CharFilter):
    def filter(self, queryset, value):
        if value in (None, ""):
            return queryset
        if value == "me":
            user = self.parent.request.user
            return queryset.filter(assignee_id=user.pk if user.is_authenticated else None)
        if not value.isdigit():
            raise serializers.ValidationError({"assignee": ["Give a user id or “me”."]})
        return queryset.filter(assignee_id=int(value))


class TaskFilter(RequestedFilterSet):
    assignee = AssigneeFilter(label="A user id, or “me” (the signed-in user; an API key's creator)")
    state = filters.ChoiceFilter(choices=TaskState.choices)
    source = filters.ChoiceFilter(choices=TaskSource.choices)
    account = filters.NumberFilter(field_name="account_id")
    contact = filters.NumberFilter(field_name="contact_id")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte", label="Due on or after (YYYY-MM-DD)")
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte", label="Due on or before (YYYY-MM-DD)")
    overdue = filters.BooleanFilter(method="filter_overdue", label="Open and due before today")

    class Meta:
        model = Task
        fields = ["assignee", "state", "source", "account", "contact"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"state": TaskState.OPEN, "due_on__lt": workspace_today()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class TaskViewSet(TenantModelViewSet):
    """Tasks: work on an account due on a day, for an assignee. Filters: `assignee` (an id or `me`), `state`,
    `source`, `account`, `contact`, `due_after`, `due_before`, `overdue`. Creating a task that would give its
    contact more touches than the workspace allows (`/touch-limit/`), or a second team's touch the same day,
    answers 409 with the `conflicts` unless `?proceed=true`. `complete` logs the activity with its outcome;
    `skip`, `cancel` and `reopen` change the state. Tasks are not deleted: cancel them."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    search_fields = ["title"]
    ordering_fields = ["due_on", "created_at"]
    ordering = ["due_on"]
    fragment_template = "tasks/tasks.html"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.task_list()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["today"] = workspace_today() if not getattr(self, "swagger_fake_view", False) else None
        return context

    @extend_schema(
        parameters=[
            OpenApiParameter(PROCEED_PARAM, bool, description="Create the task even if it makes touch conflicts.")
        ],
        responses={201: TaskSerializer, 409: TouchConflictSerializer(many=True)},
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        if not self._proceed() and data.get("contact") is not None:
            assignee = data.get("assignee")
            teams = touch_teams({(data["account"].pk, assignee.pk)}) if assignee else {}
            planned = PlannedTouch(
                contact_id=data["contact"].pk,
                on=data["due_on"],
                team_id=teams.get((data["account"].pk, assignee.pk)) if assignee else None,
                label=f"This task: {data['title']}",
            )
            conflicts = touch_conflicts([planned])
            if conflicts:
                raise TouchConflictsFound(conflicts)
        super().perform_create(serializer)

    def _proceed(self) -> bool:
        try:
            return parse_bool(self.request.query_params.get(PROCEED_PARAM, "false"))
        except ValueError:
            raise serializers.ValidationError({PROCEED_PARAM: ["Use true or false."]}) from None

    def _change_state(self, change, task=None, **arguments):
        task = task or self.get_object()
        try:
            change(task, **arguments)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        response = Response(self.get_serializer(selectors.task_list().get(pk=task.pk)).data)
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    @extend_schema(request=TaskCompleteSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        """Done: logs an outbound activity on the task's account, contact and channel (`other` without one), by
        its assignee, with the `outcome` and `notes`."""
        task = self.get_object()
        body = self.get_serializer(data=request.data, serializer_class=TaskCompleteSerializer)
        body.is_valid(raise_exception=True)
        return self._change_state(services.task_complete, task, **body.validated_data)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request, *args, **kwargs):
        return self._change_state(services.task_skip)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        return self._change_state(services.task_cancel)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        return self._change_state(services.task_reopen)

    @extend_schema(filters=False, responses=MyDaySerializer)
    @action(detail=False, methods=["get"], url_path="my-day")
    def my_day(self, request, *args, **kwargs):
        """The requesting user's (an API key's creator's) open tasks: `overdue` (oldest first), `due_today` and
        `upcoming` (the next three days)."""
        if self.is_htmx():  # the page lists each group from the task list, a page at a time
            self.groups = selectors.my_day_groups(request.user, workspace_today())
            return Response({name: count for name, count, _ in self.groups})
        return Response(
            MyDaySerializer(
                selectors.my_day(request.user, workspace_today()), context=self.get_serializer_context()
            ).data
        )

    def get_fragment_template(self, response) -> str:
        if self.action == "create" and response.status_code == status.HTTP_409_CONFLICT:
            return f"{self.fragment_template}#form"
        if self.action in STATE_ACTIONS and response.status_code in (200, 400):
            return f"{self.fragment_template}#row"
        if self.action == "my_day" and response.status_code == 200:
            return f"{self.fragment_template}#my_day"
        return super().get_fragment_template(response)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context.update(
            outcome_choices=ActivityOutcome.choices,
            channel_choices=ActivityChannel.choices,
            team_role_choices=TeamRole.choices,
            today=workspace_today(),
        )
        if self.action == "my_day" and response.status_code == 200:
            titles = {
                "overdue": ("overdue", "Overdue"),
                "due_today": ("today", "Due today"),
                "upcoming": ("upcoming", "Coming up"),
            }
            context["groups"] = [(*titles[name], count, urlencode(filters)) for name, count, filters in self.groups]
        elif self.action in STATE_ACTIONS and response.status_code == 400:
            # The row again, as it is, with the reason the change was refused.
            context["data"] = self.get_serializer(self.get_object()).data
        elif self.action in ("new_form", "edit_form", "create", "update", "partial_update"):
            context.update(self._form_context(context, conflicts=data.get("conflicts", [])))
        return context

    def _form_context(self, context, *, conflicts) -> dict:
        submitted = self.request.data if hasattr(self.request.data, "get") else {}
        instance = context["serializer"].instance if context["serializer"] is not None else None
        if self.action == "edit_form":
            instance = self.get_object()
        account_id = instance.account_id if instance else submitted.get("account") or self.request.GET.get("account")

        def value(name, saved):
            return submitted.get(name, saved) or ""

        def chosen_id(name, saved):
            picked = str(value(name, saved))
            return int(picked) if picked.isdigit() else None

        return {
            "account_id": account_id,
            "contacts": account_contact_choices(account_id if str(account_id or "").isdigit() else None),
            "members": assignable_members(),
            "editing": instance,
            "values": {
                "title": value("title", instance.title if instance else ""),
                "due_on": value("due_on", (instance.due_on if instance else workspace_today()).isoformat()),
                "instructions": value("instructions", instance.instructions if instance else ""),
                "channel": value("channel", instance.channel if instance else ""),
                "team_role": value("team_role", instance.team_role if instance else ""),
                "contact": chosen_id("contact", instance.contact_id if instance else None),
                "assignee": chosen_id("assignee", instance.assignee_id if instance else acting_user_id()),
            },
            "conflicts": conflicts if self.action == "create" else [],
        }


@extend_schema_serializer(many=False)  # the list action answers the one setting, not a list
class TouchLimitSerializer(serializers.ModelSerializer):
    class Meta:
        model = TouchLimit
        fields = ["max_touches", "window_days"]
        extra_kwargs = {
            "max_touches": {"help_text": "N: at most this many touches of one contact…"},
            "window_days": {"help_text": "M: …in any this many consecutive days."},
        }


class TouchLimitViewSet(viewsets.ViewSet):
    """The workspace's touch-conflict guard: at most `max_touches` touches of one contact in any `window_days`
    consecutive days (default 3 in 7). Everyone reads; admins set it with a POST (answers 200)."""

    read_role = Role.VIEWER

    def get_write_role(self):
        return Role.ADMIN

    def get_fragment_template(self, response) -> str:
        return "tasks/touch_limit.html#limit" if response.status_code < 300 else "partials/error.html"

    @extend_schema(responses=TouchLimitSerializer)
    def list(self, request, *args, **kwargs):
        return Response(TouchLimitSerializer(TouchLimit.objects.first() or TouchLimit()).data)

    @extend_schema(request=TouchLimitSerializer, responses={200: TouchLimitSerializer})
    def create(self, request, *args, **kwargs):
        body = TouchLimitSerializer(data=request.data)
        refuse_unknown_fields(body)
        body.is_valid(raise_exception=True)
        try:
            limit = services.touch_limit_update(**body.validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        return Response(TouchLimitSerializer(limit).data)


class TaskScheduleRunViewSet(JobRunViewSet):
    """Run the workspace's task scheduling now (`POST /tasks/schedule/run/`, members and above; it runs daily on
    its own): open tasks whose day has come are marked due, assignees get their overdue-task reminders. 202, the
    job and its `Location` (`GET /jobs/{id}/`: its counts `became_due`, `reminded`, `emails` once succeeded)."""

    enqueue = staticmethod(services.task_schedule_enqueue)
