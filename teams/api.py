"""The teams API: teams with their members and accounts, the roles each tier requires, staffing gaps and the
staffing figures."""

from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from abs_platform.tenancy import selectors as tenancy_selectors
from abs_platform.tenancy.models import Role, role_at_least
from abs_platform.web.fields import TenantMemberField, TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import FORM_STYLE, ReadBackAfterWrite, TenantModelViewSet, refuse_unknown_fields
from accounts.models import Account
from icp.models import Tier
from personas.api import ListOfStrings

from . import selectors, services
from .models import RoleRequirement, StaffingSettings, Team, TeamAccount, TeamAccountSource, TeamMember, TeamRole


def display_name(user) -> str:
    return user.get_full_name() or user.username


def sibling_url(view, route: str) -> str:
    """Another resource's URL in the API the request came through (``/api/v1/`` or the dashboard's)."""
    match = view.request.resolver_match
    kwargs = {key: value for key, value in match.kwargs.items() if key == "tenant_slug"}
    return reverse(f"{match.namespace}:{route}", kwargs=kwargs)


# ---------------------------------------------------------------- teams


class TeamMemberSerializer(serializers.ModelSerializer):
    team = TenantRelatedField(model=Team)
    user = TenantMemberField(help_text="A workspace member who can edit (viewers cannot sit on a team).")
    user_name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=TeamRole.choices)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = TeamMember
        fields = ["id", "team", "user", "user_name", "role", "role_label", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_user_name(self, member) -> str:
        return display_name(member.user)

    def create(self, validated_data):
        return services.team_member_add(**validated_data)


class TeamSerializer(serializers.ModelSerializer):
    rule_industries = ListOfStrings(
        child=serializers.CharField(max_length=100, trim_whitespace=True),
        required=False,
        help_text="Rule: accounts in one of these industries (any case).",
    )
    rule_tier = TenantRelatedField(
        model=Tier, required=False, allow_null=True, help_text="Rule: accounts in this tier."
    )
    rule_tier_name = serializers.SerializerMethodField()
    rule_countries = ListOfStrings(
        child=serializers.CharField(max_length=2, trim_whitespace=True),
        required=False,
        help_text="Rule: accounts in one of these countries (ISO 3166 codes, e.g. DE, US).",
    )
    members = TeamMemberSerializer(many=True, read_only=True)
    accounts_count = serializers.IntegerField(
        read_only=True, default=0, help_text="Accounts covered, listed or by rule."
    )

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "description",
            "rule_industries",
            "rule_tier",
            "rule_tier_name",
            "rule_countries",
            "rule_targets_only",
            "members",
            "accounts_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"rule_targets_only": {"initial": True, "label": "Rule takes target accounts only"}}

    def get_rule_tier_name(self, team) -> str:
        return team.rule_tier.name if team.rule_tier_id else ""

    def create(self, validated_data):
        return services.team_create(**validated_data)

    def update(self, instance, validated_data):
        return services.team_update(team=instance, **validated_data)


class TeamViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """Account teams: `members` (people with team roles; add and remove them through `/team-members/`) and the
    accounts they cover (`/team-accounts/`): listed by hand, and matched by the team's rule when it has one
    (`rule_industries`, `rule_tier`, `rule_countries`: every field given must match; `rule_targets_only`).
    The rule is re-applied when the team is saved and whenever an account's industry, country, tier or
    target flag changes. Everyone reads; members write. Search over the name."""

    serializer_class = TeamSerializer
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    fragment_template = "teams/teams.html"

    def scoped_queryset(self):
        return selectors.team_list()

    def perform_destroy(self, instance):
        services.team_delete(team=instance)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["member_url"] = sibling_url(self, "team-member-list")
        context["team_account_url"] = sibling_url(self, "team-account-list")
        if self.action == "retrieve" and response.status_code == 200:
            context["role_choices"] = TeamRole.choices
            context["members_to_choose"] = tenancy_selectors.assignable_members().order_by("username")
        return context


class TeamMemberFilter(RequestedFilterSet):
    team = filters.NumberFilter(field_name="team_id")
    user = filters.NumberFilter(field_name="user_id")
    team_role = filters.ChoiceFilter(field_name="role", choices=TeamRole.choices)

    class Meta:
        model = TeamMember
        fields = ["team", "user", "team_role"]


class TeamMemberViewSet(TenantModelViewSet):
    """Who holds which role on which team. `POST {"team", "user", "role"}` adds one (a person may hold several
    roles and sit on many teams); `DELETE` removes it. Filters: `team`, `user`, `team_role`."""

    serializer_class = TeamMemberSerializer
    filterset_class = TeamMemberFilter
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["created_at"]
    ordering = ["created_at"]
    fragment_template = "teams/members.html"

    def scoped_queryset(self):
        return selectors.team_member_list()

    def perform_destroy(self, instance):
        services.team_member_remove(member=instance)


class TeamAccountSerializer(serializers.ModelSerializer):
    team = TenantRelatedField(model=Team)
    team_name = serializers.CharField(source="team.name", read_only=True)
    account = TenantRelatedField(model=Account)
    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = TeamAccount
        fields = ["id", "team", "team_name", "account", "account_name", "source", "created_at"]
        read_only_fields = ["id", "source", "created_at"]

    def create(self, validated_data):
        return services.team_account_add(**validated_data)


class TeamAccountFilter(RequestedFilterSet):
    team = filters.NumberFilter(field_name="team_id")
    account = filters.NumberFilter(field_name="account_id")
    source = filters.ChoiceFilter(choices=TeamAccountSource.choices)

    class Meta:
        model = TeamAccount
        fields = ["team", "account", "source"]


class TeamAccountViewSet(TenantModelViewSet):
    """The accounts teams cover, with `source`: `listed` (by hand) or `rule` (the team's rule matches it).
    `POST {"team", "account"}` lists an account (one the rule took becomes listed, and stays when the rule
    lets go of it); `DELETE` unlists it — an account the rule takes stays, as `rule`. Filters: `team`,
    `account`, `source`."""

    serializer_class = TeamAccountSerializer
    filterset_class = TeamAccountFilter
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["created_at"]
    ordering = ["created_at"]
    fragment_template = "teams/team_accounts.html"

    def scoped_queryset(self):
        return selectors.team_account_list()

    def perform_destroy(self, instance):
        services.team_account_remove(link=instance)


# ---------------------------------------------------------------- requirements


class RoleRequirementSerializer(serializers.ModelSerializer):
    tier = TenantRelatedField(model=Tier)
    tier_name = serializers.CharField(source="tier.name", read_only=True)
    role = serializers.ChoiceField(choices=TeamRole.choices)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = RoleRequirement
        fields = ["id", "tier", "tier_name", "role", "role_label", "created_at"]
        read_only_fields = ["id", "created_at"]

    def create(self, validated_data):
        return services.role_requirement_create(**validated_data)


class RoleRequirementViewSet(TenantModelViewSet):
    """The team roles every account of a tier needs on its team(s): a target account whose teams have nobody
    in one of them is a staffing gap (`/team-gaps/`). Everyone reads; admins write. Filter: `tier`."""

    serializer_class = RoleRequirementSerializer
    filterset_fields = ["tier"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["created_at"]
    ordering = ["created_at"]
    write_role = Role.ADMIN
    fragment_template = "teams/requirements.html"

    def scoped_queryset(self):
        return selectors.role_requirement_list()

    def perform_destroy(self, instance):
        services.role_requirement_delete(requirement=instance)


# ---------------------------------------------------------------- gaps


class TeamGapSerializer(serializers.ModelSerializer):
    tier_name = serializers.CharField(read_only=True)
    team_names = serializers.CharField(read_only=True, help_text="The account's teams, comma-separated.")
    no_team = serializers.SerializerMethodField()
    missing_roles = serializers.SerializerMethodField(help_text="Roles its tier requires that nobody holds.")

    class Meta:
        model = Account
        fields = ["id", "name", "tier", "tier_name", "team_names", "no_team", "missing_roles"]
        read_only_fields = fields

    def get_no_team(self, account) -> bool:
        return account.team_count == 0

    def get_missing_roles(self, account) -> list[str]:
        return self.context["missing_roles"].get(account.pk, [])


class TeamGapFilter(RequestedFilterSet):
    kind = filters.ChoiceFilter(
        choices=[("no_team", "Without a team"), ("missing_role", "A required role missing")], method="filter_kind"
    )
    missing_role = filters.ChoiceFilter(choices=TeamRole.choices, method="filter_missing_role")
    tier = filters.NumberFilter(field_name="tier_id")

    class Meta:
        model = Account
        fields = ["kind", "missing_role", "tier"]

    def filter_kind(self, queryset, name, value):
        return queryset.filter(team_count=0) if value == "no_team" else queryset.filter(missing_count__gt=0)

    def filter_missing_role(self, queryset, name, value):
        return selectors.gaps_missing_role(queryset, value)


class TeamGapViewSet(TenantModelViewSet):
    """Staffing gaps: target accounts without a team (`no_team`), and target accounts whose teams lack a role
    their tier requires (`missing_roles`, see `/role-requirements/`), by name. Read only. Filters: `kind`
    (`no_team`, `missing_role`), `missing_role` (accounts whose teams lack that role), `tier`."""

    serializer_class = TeamGapSerializer
    filterset_class = TeamGapFilter
    http_method_names = ["get", "head", "options"]
    ordering = ["name"]
    ordering_fields = ["name"]
    fragment_template = "teams/gaps.html"
    # Read only: no forms.
    new_form = edit_form = row = None

    def scoped_queryset(self):
        return selectors.team_gaps()

    def get_serializer_context(self):
        return super().get_serializer_context() | {"missing_roles": getattr(self, "_missing_roles", {})}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._missing_roles = selectors.missing_roles(page if page is not None else list(queryset))
        return page

    def retrieve(self, request, *args, **kwargs):
        account = self.get_object()
        self._missing_roles = selectors.missing_roles([account])
        return Response(self.get_serializer(account).data)


# ---------------------------------------------------------------- staffing


class PersonSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    accounts = serializers.IntegerField(help_text="Target accounts on their teams.")
    teams = serializers.IntegerField()
    overloaded = serializers.BooleanField(help_text="Above the workspace's limit for the role.")


@extend_schema_serializer(many=False)  # the list action answers one object, not a list
class StaffingSerializer(serializers.Serializer):
    max_accounts_per_ae = serializers.IntegerField()
    max_accounts_per_sdr = serializers.IntegerField()
    account_executives = PersonSerializer(many=True)
    sdrs = PersonSerializer(many=True)
    accounts_per_ae = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    accounts_per_sdr = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    aes_per_sdr = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True, help_text="Account executives per SDR (typical: 2.5)."
    )
    overloaded = serializers.IntegerField(help_text="People above their limit.")


class StaffingLimitsSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffingSettings
        fields = ["max_accounts_per_ae", "max_accounts_per_sdr"]
        extra_kwargs = {
            "max_accounts_per_ae": {"min_value": 1, "max_value": 10000, "label": "Most target accounts per AE"},
            "max_accounts_per_sdr": {"min_value": 1, "max_value": 10000, "label": "Most target accounts per SDR"},
        }

    def update(self, instance, validated_data):
        return services.staffing_settings_update(**validated_data)


class StaffingViewSet(ViewSet):
    """Staffing: target accounts per account executive and per SDR, AEs per SDR, and who is above the
    workspace's limits (`GET /staffing/`). The limits: `GET`/`PATCH /staffing/limits/` (admins change them)."""

    read_role = Role.VIEWER

    def get_write_role(self):
        return Role.ADMIN

    @extend_schema(responses=StaffingSerializer)
    def list(self, request, *args, **kwargs):
        return Response(StaffingSerializer(selectors.staffing(services.staffing_settings())).data)

    @extend_schema(request=StaffingLimitsSerializer, responses=StaffingLimitsSerializer)
    @action(detail=False, methods=["get", "patch"])
    def limits(self, request, *args, **kwargs):
        limits = services.staffing_settings()
        if request.method == "GET":
            return Response(StaffingLimitsSerializer(limits).data)
        serializer = StaffingLimitsSerializer(limits, data=request.data, partial=True)
        refuse_unknown_fields(serializer)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        headers = {"HX-Trigger": "objectsChanged"} if request.headers.get("HX-Request") == "true" else {}
        return Response(serializer.data, headers=headers)

    def get_fragment_template(self, response):
        if self.action == "limits" and response.status_code in (200, 400):
            return "teams/staffing.html#limits"
        if response.status_code >= 400:
            return "partials/error.html"
        return "teams/staffing.html#figures"

    def get_fragment_context(self, data, response):
        role = getattr(self.request._request, "tenant_role", None)
        limits = StaffingLimitsSerializer(services.staffing_settings())
        groups = []
        if self.action == "list" and response.status_code == 200:
            groups = [
                ("Account executives", data["account_executives"], data["max_accounts_per_ae"]),
                ("SDRs", data["sdrs"], data["max_accounts_per_sdr"]),
            ]
        return {
            "data": data,
            "staffing_groups": groups,
            "status": response.status_code,
            "errors": data if response.status_code == 400 else {},
            "can_admin": role is not None and role_at_least(role, Role.ADMIN),
            "serializer": limits,
            "form_style": FORM_STYLE,
        }
