from datetime import UTC

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from abs_platform.tenancy.context import get_current_user, workspace_today
from abs_platform.tenancy.models import Role
from abs_platform.tenancy.selectors import tenant_memberships
from abs_platform.web.fields import TenantMemberField, TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.jobs import JobRunViewSet
from abs_platform.web.pagination import TenantCursorPagination
from abs_platform.web.viewsets import ReadBackAfterWrite, TenantModelViewSet
from accounts.models import Account, ActivityChannel, Contact, Opportunity
from plays.models import PlayTemplate
from teams.models import Team

from . import selectors, services, timeline
from .models import AccountPlan, AccountReview, HandOff, HandOffState, ReviewAction, ReviewCadence, ReviewStatus

User = get_user_model()


def _user_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


class AttendeeField(TenantMemberField):
    """A user id of any member of the workspace (viewers attend reviews too)."""

    default_error_messages = {"does_not_exist": "No member of this workspace has id {pk_value}."}

    def get_queryset(self):
        return User.objects.filter(pk__in=tenant_memberships().values("user_id")).order_by("username")


class AccountFilter(RequestedFilterSet):
    account = filters.NumberFilter(field_name="account_id")


# --- Account plans --------------------------------------------------------------------------------------


class AccountPlanSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account, style={"in_form": False})
    account_name = serializers.SerializerMethodField()
    owner = TenantMemberField(required=False, allow_null=True)
    owner_name = serializers.SerializerMethodField()
    chosen_plays = serializers.ManyRelatedField(
        child_relation=TenantRelatedField(model=PlayTemplate),
        required=False,
        help_text="Ids of the playbook's play templates chosen for the account.",
    )
    chosen_play_names = serializers.SerializerMethodField()

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "account",
            "account_name",
            "owner",
            "owner_name",
            *selectors.PLAN_FIELDS[1:],
            "chosen_plays",
            "chosen_play_names",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_account_name(self, plan) -> str:
        return plan.account.name

    def get_owner_name(self, plan) -> str:
        return _user_name(plan.owner)

    def get_chosen_play_names(self, plan) -> list[str]:
        return [template.name for template in plan.chosen_plays.all()]

    def validate_account(self, account):
        if self.instance is not None and account.pk != self.instance.account_id:
            raise serializers.ValidationError("A plan stays with its account.")
        return account

    def create(self, validated_data):
        return services.plan_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("account", None)
        return services.plan_update(plan=instance, **validated_data)


class AccountPlanFilter(AccountFilter):
    owner = filters.NumberFilter(field_name="owner_id")

    class Meta:
        model = AccountPlan
        fields = ["account", "owner"]


class AccountPlanViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """Account plans, one per account: business objectives, challenges, research notes (markets, company,
    contacts), strategy, next steps, owner. Every change is kept: `GET …/<id>/changes/` lists who changed
    which field from what to what, and when. Filters: `account`, `owner`."""

    serializer_class = AccountPlanSerializer
    filterset_class = AccountPlanFilter
    ordering_fields = ["updated_at", "created_at"]
    ordering = ["-updated_at"]
    fragment_template = "planning/plans.html"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.plan_list()

    @extend_schema(responses={200: None})
    @action(detail=True, methods=["get"])
    def changes(self, request, *args, **kwargs):
        """The plan's change list, newest first: per saved version, who, when, and each field old → new."""
        versions = selectors.plan_changes(self.get_object())
        return Response(
            [
                {
                    "at": version.at,
                    "user": version.user,
                    "created": version.created,
                    "changes": [vars(change) for change in version.changes],
                }
                for version in versions
            ]
        )

    def get_fragment_template(self, response):
        if self.action == "changes" and response.status_code == 200:
            return f"{self.fragment_template}#changes"
        return super().get_fragment_template(response)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        instance = context["serializer"].instance if context.get("serializer") is not None else None
        context["account_id"] = instance.account_id if instance else self.request.GET.get("account")
        if self.action in ("new_form", "edit_form", "create", "update", "partial_update"):
            context["play_templates"] = selectors.play_templates()
        return context


# --- Review cadences ------------------------------------------------------------------------------------

Tier = Account._meta.get_field("tier").related_model


class ReviewCadenceSerializer(serializers.ModelSerializer):
    review_months = serializers.ChoiceField(
        choices=ReviewCadence.Every.choices, help_text="Months between two reviews of an account of the tier; 0: none."
    )

    class Meta:
        model = Tier
        fields = ["id", "name", "rank", "review_months"]
        read_only_fields = ["id", "name", "rank"]

    def update(self, instance, validated_data):
        services.review_cadence_set(tier=instance, months=validated_data["review_months"])
        return instance


class ReviewCadenceViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """The review cadence of each tier (`id` is the tier's): `review_months` between two reviews of an account
    of the tier (0: not reviewed). Unset, Tier 1 (rank 1) is monthly, rank 2 quarterly, others none. Everyone
    reads; admins change it with PUT or PATCH."""

    serializer_class = ReviewCadenceSerializer
    ordering_fields = ["rank"]
    ordering = ["rank"]
    write_role = Role.ADMIN
    fragment_template = "planning/cadences.html"
    http_method_names = ["get", "put", "patch", "head", "options"]

    @classmethod
    def get_extra_actions(cls):
        """Edit forms only: every tier has its cadence, none is created."""
        return [action for action in super().get_extra_actions() if action.__name__ != "new_form"]

    def scoped_queryset(self):
        return selectors.tier_cadences()


# --- Reviews and their actions --------------------------------------------------------------------------


class ReviewActionSerializer(serializers.ModelSerializer):
    review = TenantRelatedField(model=AccountReview, style={"in_form": False})
    assignee = TenantMemberField()
    assignee_name = serializers.SerializerMethodField()
    position = serializers.IntegerField(
        min_value=1, max_value=100, required=False, help_text="1 is the first priority; default: after the others."
    )

    class Meta:
        model = ReviewAction
        fields = ["id", "review", "position", "title", "assignee", "assignee_name", "due_on", "task", "created_at"]
        read_only_fields = ["id", "task", "created_at"]

    def get_assignee_name(self, action) -> str:
        return _user_name(action.assignee)

    def create(self, validated_data):
        return services.review_action_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("review", None)
        return services.review_action_update(action=instance, **validated_data)


class ReviewActionFilter(RequestedFilterSet):
    review = filters.NumberFilter(field_name="review_id")
    assignee = filters.NumberFilter(field_name="assignee_id")

    class Meta:
        model = ReviewAction
        fields = ["review", "assignee"]


class ReviewActionViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """The prioritized actions of account reviews, in order (`position` 1 first). Creating one makes its task
    for the assignee. Filters: `review`, `assignee`."""

    serializer_class = ReviewActionSerializer
    filterset_class = ReviewActionFilter
    ordering_fields = ["position"]
    ordering = ["position"]
    fragment_template = "planning/review_actions.html"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.review_action_list()

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["review_id"] = self.request.GET.get("review") or self.request.data.get("review", "")
        return context


class NestedActionSerializer(serializers.ModelSerializer):
    assignee_name = serializers.SerializerMethodField()

    class Meta:
        model = ReviewAction
        fields = ["id", "position", "title", "assignee", "assignee_name", "due_on", "task"]
        read_only_fields = fields

    def get_assignee_name(self, action) -> str:
        return _user_name(action.assignee)


class AccountReviewSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account, style={"in_form": False})
    account_name = serializers.SerializerMethodField()
    held_on = serializers.DateField(
        default=serializers.CreateOnlyDefault(workspace_today), initial=workspace_today, help_text="Default: today."
    )
    attendees = serializers.ManyRelatedField(child_relation=AttendeeField(), required=False)
    attendee_names = serializers.SerializerMethodField()
    actions = NestedActionSerializer(many=True, read_only=True)

    class Meta:
        model = AccountReview
        fields = [
            "id",
            "account",
            "account_name",
            "period_start",
            "period_end",
            "held_on",
            "status",
            "progress",
            "lessons_learned",
            "attendees",
            "attendee_names",
            "actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"status": {"initial": ReviewStatus.GREEN}}

    def get_account_name(self, review) -> str:
        return review.account.name

    def get_attendee_names(self, review) -> list[str]:
        return [_user_name(user) for user in review.attendees.all()]

    def validate(self, attrs):
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": "The period cannot end before it starts."})
        return attrs

    def create(self, validated_data):
        return services.review_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("account", None)
        return services.review_update(review=instance, **validated_data)


class AccountReviewFilter(AccountFilter):
    status = filters.ChoiceFilter(choices=ReviewStatus.choices)

    class Meta:
        model = AccountReview
        fields = ["account", "status"]


class AccountReviewViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """Account reviews, the same format every time: period (`period_start`–`period_end`), red/amber/green
    `status`, progress, lessons learned, attendees (workspace members) and the prioritized `actions` (added
    through `/review-actions/`, each becomes a task). Filters: `account`, `status`. Latest period first."""

    serializer_class = AccountReviewSerializer
    filterset_class = AccountReviewFilter
    ordering_fields = ["period_end", "held_on"]
    ordering = ["-period_end"]
    fragment_template = "planning/reviews.html"

    def scoped_queryset(self):
        return selectors.review_list()

    def get_fragment_template(self, response):
        if self.action in ("update", "partial_update") and response.status_code == 200:
            return f"{self.fragment_template}#detail"
        return super().get_fragment_template(response)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        instance = context["serializer"].instance if context.get("serializer") is not None else None
        context["account_id"] = instance.account_id if instance else self.request.GET.get("account")
        if self.action in ("new_form", "edit_form", "create", "update", "partial_update"):
            context["members"] = AttendeeField().get_queryset()
        if response.status_code < 300 and self.action in ("retrieve", "create", "update", "partial_update"):
            context["compare_with"] = selectors.other_reviews(data["id"], data["account"])
        return context


class ReviewScheduleSerializer(serializers.ModelSerializer):
    tier_name = serializers.CharField(read_only=True)
    review_months = serializers.IntegerField(read_only=True)
    last_review_end = serializers.DateField(read_only=True, allow_null=True)
    next_review_due = serializers.SerializerMethodField()
    review_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Account
        fields = ["id", "name", "tier_name", "review_months", "last_review_end", "next_review_due", "review_overdue"]
        read_only_fields = fields

    def get_next_review_due(self, account) -> str:
        return selectors.next_review_due(account.review_base, account.review_months).isoformat()


class ReviewScheduleFilter(RequestedFilterSet):
    overdue = filters.BooleanFilter(field_name="review_overdue", label="Overdue reviews only: true / false")
    tier = filters.NumberFilter(field_name="tier_id")

    class Meta:
        model = Account
        fields = ["overdue", "tier"]


class ReviewScheduleViewSet(TenantModelViewSet):
    """When each target account with a review cadence is next due for a review (`id` is the account's):
    `next_review_due` is the last review's period end plus the tier's cadence, or, without a review yet, the day
    the account was created plus the cadence; `review_overdue` once that day has passed. Filters: `overdue`,
    `tier`. Most overdue first."""

    serializer_class = ReviewScheduleSerializer
    filterset_class = ReviewScheduleFilter
    ordering_fields = ["review_base", "name"]
    ordering = ["review_base"]
    fragment_template = "planning/schedule.html"
    http_method_names = ["get", "head", "options"]

    @classmethod
    def get_extra_actions(cls):
        """Read-only: no forms."""
        return []

    def scoped_queryset(self):
        return selectors.review_schedule()


class ReviewScheduleRunViewSet(JobRunViewSet):
    """Run the review schedule now (`POST /review-schedule/run/`, members and above; it runs daily on its own):
    each target account whose review has fallen due gets one open "Hold the account review" task, and such
    tasks of accounts no longer due are closed. 202, the job and its `Location` (`GET /jobs/{id}/`: its counts
    `due`, `tasks_opened`, `tasks_closed` once succeeded)."""

    enqueue = staticmethod(services.review_schedule_enqueue)


# --- Hand-offs ------------------------------------------------------------------------------------------


class HandOffSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account, style={"in_form": False})
    account_name = serializers.SerializerMethodField()
    contacts = serializers.ManyRelatedField(child_relation=TenantRelatedField(model=Contact), required=False)
    contact_names = serializers.SerializerMethodField()
    from_user_name = serializers.SerializerMethodField()
    to_user = TenantMemberField(
        required=False,
        help_text="Who receives the lead; default: the account executive of the account's teams.",
    )
    to_user_name = serializers.SerializerMethodField()
    opportunity_name = serializers.SerializerMethodField()

    class Meta:
        model = HandOff
        fields = [
            "id",
            "account",
            "account_name",
            "contacts",
            "contact_names",
            "notes",
            "from_user",
            "from_user_name",
            "to_user",
            "to_user_name",
            "state",
            "passed_at",
            "decided_at",
            "rejection_reason",
            "opportunity",
            "opportunity_name",
            "task",
        ]
        read_only_fields = [
            "id",
            "from_user",
            "state",
            "passed_at",
            "decided_at",
            "rejection_reason",
            "opportunity",
            "task",
        ]

    def get_account_name(self, hand_off) -> str:
        return hand_off.account.name

    def get_contact_names(self, hand_off) -> list[str]:
        return [str(contact) for contact in hand_off.contacts.all()]

    def get_from_user_name(self, hand_off) -> str:
        return _user_name(hand_off.from_user)

    def get_to_user_name(self, hand_off) -> str:
        return _user_name(hand_off.to_user)

    def get_opportunity_name(self, hand_off) -> str:
        return hand_off.opportunity.name if hand_off.opportunity_id else ""

    def create(self, validated_data):
        return services.hand_off_pass(from_user=get_current_user(), **validated_data)


class HandOffAcceptSerializer(serializers.Serializer):
    opportunity = TenantRelatedField(
        model=Opportunity, required=False, allow_null=True, help_text="An open opportunity of the account to link."
    )
    opportunity_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Or: the name of a new opportunity to open."
    )


class HandOffRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)


class HandOffFilter(AccountFilter):
    state = filters.ChoiceFilter(choices=HandOffState.choices)
    to_user = filters.NumberFilter(field_name="to_user_id")
    from_user = filters.NumberFilter(field_name="from_user_id")

    class Meta:
        model = HandOff
        fields = ["account", "state", "to_user", "from_user"]


class HandOffViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """Hand-offs of qualified leads from an SDR (`from_user`: who passes it) to the account's AE (`to_user`):
    `passed`, then `accepted` into the sales cycle (`POST …/<id>/accept/` links an open opportunity of the
    account or opens a new one) or `rejected` with a reason (`POST …/<id>/reject/`). `passed_at` and
    `decided_at` time each step. Filters: `account`, `state`, `to_user`, `from_user`. Newest first."""

    serializer_class = HandOffSerializer
    filterset_class = HandOffFilter
    ordering_fields = ["passed_at"]
    ordering = ["-passed_at"]
    fragment_template = "planning/hand_offs.html"
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self):
        return selectors.hand_off_list()

    def _decide(self, request, serializer_class, decide):
        hand_off = self.get_object()
        serializer = self.get_serializer(data=request.data, serializer_class=serializer_class)
        serializer.is_valid(raise_exception=True)
        try:
            decide(hand_off, serializer.validated_data)
        except DjangoValidationError as error:
            raise ValidationError(serializers.as_serializer_error(error)) from None
        response = Response(self.get_serializer(self.get_queryset().get(pk=hand_off.pk)).data)
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    @extend_schema(request=HandOffAcceptSerializer, responses={200: HandOffSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        """Accept the lead: give `opportunity` (an open one of the account) or `opportunity_name` (a new one)."""
        return self._decide(
            request,
            HandOffAcceptSerializer,
            lambda hand_off, data: services.hand_off_accept(
                hand_off=hand_off,
                opportunity=data.get("opportunity"),
                opportunity_name=data.get("opportunity_name", "").strip(),
            ),
        )

    @extend_schema(request=HandOffRejectSerializer, responses={200: HandOffSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        """Reject the lead with a `reason`."""
        return self._decide(
            request,
            HandOffRejectSerializer,
            lambda hand_off, data: services.hand_off_reject(hand_off=hand_off, reason=data["reason"]),
        )

    def get_fragment_template(self, response):
        if self.action in ("accept", "reject") and response.status_code in (200, 400):
            return f"{self.fragment_template}#{'row' if response.status_code == 200 else 'decide-errors'}"
        return super().get_fragment_template(response)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["account_id"] = self.request.GET.get("account") or self.request.data.get("account", "")
        context["me"] = self.request.user
        if self.action in ("new_form", "create") and context["account_id"]:
            context["account_contacts"] = selectors.account_contacts(context["account_id"])
        return context


# --- The account timeline -------------------------------------------------------------------------------


class TimelineEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[source.kind for source in timeline.SOURCES], read_only=True)
    id = serializers.IntegerField(source="ev_id", read_only=True, help_text="The id of the event in its kind.")
    at = serializers.DateTimeField(source="ev_at", read_only=True, default_timezone=UTC)
    all_day = serializers.BooleanField(
        source="ev_all_day", read_only=True, help_text="true: `at` is a day (its 00:00 UTC), not a moment."
    )
    title = serializers.CharField(source="ev_title", read_only=True)
    detail = serializers.CharField(source="ev_detail", read_only=True)
    state = serializers.CharField(source="ev_state", read_only=True)
    contact = serializers.IntegerField(source="ev_contact", read_only=True, allow_null=True)
    contact_name = serializers.CharField(source="ev_contact_name", read_only=True)
    channel = serializers.CharField(source="ev_channel", read_only=True)
    user = serializers.IntegerField(source="ev_user", read_only=True, allow_null=True)
    user_name = serializers.CharField(source="ev_user_name", read_only=True)


class TimelinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many events match the filters.")
    next = serializers.URLField(allow_null=True, help_text="The older events.")
    previous = serializers.URLField(allow_null=True, help_text="The newer events.")
    results = TimelineEventSerializer(many=True)


class TimelineQuerySerializer(serializers.Serializer):
    account = TenantRelatedField(model=Account)
    contact = serializers.IntegerField(required=False, min_value=1)
    channel = serializers.ChoiceField(choices=ActivityChannel.choices, required=False)
    team = TenantRelatedField(model=Team, required=False, help_text="Events of this team's members only.")
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=TenantCursorPagination.max_page_size)

    def validate_cursor(self, value):
        try:
            return timeline.Cursor.decode(value)
        except ValueError:
            raise serializers.ValidationError("Invalid cursor: use the next link as given.") from None


class TimelineViewSet(viewsets.ViewSet):
    """One account's timeline: tasks (to come at their due day, done when completed), activities, signals,
    opportunity stage changes, reviews and hand-offs, newest (and furthest ahead) first.
    `GET /api/v1/timeline/?account=<id>`; filters `contact`, `channel`, `team` (events of its members); pages of
    `page_size` (default 25) with the `count` of events and `next` (older) and `previous` (newer) links."""

    fragment_template = "planning/timeline.html"

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: TimelinePageSerializer})
    def list(self, request, *args, **kwargs):
        given = {name: value for name, value in request.query_params.items() if value != ""}
        query = TimelineQuerySerializer(data=given)
        unknown = sorted(set(request.query_params) - set(query.fields) - {"format"})
        if unknown:
            raise ValidationError(
                {name: [f"Unknown query parameter. Use one of: {', '.join(query.fields)}."] for name in unknown}
            )
        query.is_valid(raise_exception=True)
        params = query.validated_data
        filters = timeline.Filters(
            contact=params.get("contact"),
            channel=params.get("channel", ""),
            user_ids=selectors.team_user_ids(params["team"]) if "team" in params else None,
        )
        page = timeline.timeline(
            params["account"],
            filters=filters,
            size=params.get("page_size", TenantCursorPagination.page_size),
            cursor=params.get("cursor"),
        )
        self.page = page
        return Response(
            {
                "count": timeline.count(params["account"], filters=filters),
                "next": self._link(page.next),
                "previous": self._link(page.previous),
                "results": TimelineEventSerializer(page.events, many=True).data,
            }
        )

    def _link(self, cursor) -> str | None:
        if cursor is None:
            return None
        path = self.request.get_full_path().split("?")[0]
        return self.request.build_absolute_uri(f"{path}?{_with_cursor(self.request.query_params, cursor.encode())}")

    def get_fragment_template(self, response):
        return f"{self.fragment_template}#list" if response.status_code == 200 else "partials/error.html"

    def get_fragment_context(self, data, response):
        """``paging`` as the other lists have it (partials/pager.html), without page numbers: the page after an
        offset is found by walking every source from the top, so only the neighbours are linked."""
        paging = None
        if response.status_code == 200:
            shown = len(data["results"])
            paging = {
                "count": data["count"],
                "exact": True,
                "first": self.page.offset + 1 if shown else None,
                "last": self.page.offset + shown if shown else None,
                "previous": data["previous"],
                "next": data["next"],
                "pages": [],
            }
        return {"data": data, "status": response.status_code, "view": self, "paging": paging}


def _with_cursor(params, cursor: str) -> str:
    params = params.copy()
    params["cursor"] = cursor
    return params.urlencode()
