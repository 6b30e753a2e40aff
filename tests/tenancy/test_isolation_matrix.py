"""The cross-workspace isolation matrix, generated from the URL conf and the API router.

Workspace A's members (every role) and API keys (every scope) aim every route and verb at workspace B:
B's ids in the URL, B's slug, B's ids in request bodies and query strings. A foreign id must answer
exactly as an id that does not exist (404, or the same role refusal), reveal nothing of B, and change
nothing of B's. Routes are enumerated from ``get_resolver()``; request serializers come from the API
schema generator, so a new route or reference field is in the matrix by construction, and a route the
matrix cannot aim (an id it cannot map to one of B's objects) fails ``test_every_route_is_in_the_matrix``.

The two workspaces are built once for the module, in a transaction rolled back at its end; each test
runs in a savepoint inside it.
"""

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import cache as memoize

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_filters import NumberFilter
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers
from rest_framework.test import APIClient

from abs_platform.api_router import router
from abs_platform.jobs.services import job_create
from abs_platform.tenancy import services as tenancy_services
from abs_platform.tenancy.models import ApiKeyScope, Membership, Role
from abs_platform.web.fields import TenantMemberField, TenantRelatedField
from accounts import imports
from accounts.api.common import TenantIdsField
from accounts.models import AccountTechnology, SavedView
from checks import services as checks_services
from checks.models import CoverageResult, StaleMark
from checks.services import COVERAGE_JOB_KIND
from icp.selectors import FIT_JOB_KIND
from metrics.models import SpendEntry
from personas.services import REMATCH_JOB_KIND
from planning import services as planning_services
from plays.models import PlayRun, TriggerRule
from tasks.models import Task
from teams import services as team_services
from teams.models import TeamRole
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    CriterionFactory,
    IcpFactory,
    MembershipFactory,
    OpportunityFactory,
    PersonaFactory,
    SignalFactory,
    SignOffFactory,
    TechnologyFactory,
    TenantFactory,
    TierFactory,
    UserFactory,
)
from tests.plays.factories import OfferFactory, PlayStepFactory, PlayTemplateFactory

pytestmark = pytest.mark.django_db

OWN, FOREIGN = "alpha", "bravo"
FOREIGN_MARKER = "bravo"  # in B's slug and every text of B's objects (any case); never in an answer to A
MISSING_ID = 2_000_000_000
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WRITE_BODY = {"name": "Hijacked", "title": "Hijacked", "subject": "Hijacked", "role": Role.VIEWER}
PAGE_POST_BODIES = [WRITE_BODY, {"remove": "1"}]
CLIENTS = [f"role:{role}" for role in Role] + [f"key:{scope}" for scope in ApiKeyScope]

# The object a page route's id names (API routes: the model of the viewset's serializer).
PAGE_OBJECTS = {
    "tenancy:membership-update": "tenancy.membership",
    "tenancy:api-key-revoke": "tenancy.apikey",
    "tenancy:invitation-resend": "tenancy.invitation",
    "tenancy:invitation-revoke": "tenancy.invitation",
    "accounts:account": "accounts.account",
    "accounts:import-batch": "accounts.importbatch",
    "accounts:import-dry-run": "accounts.importbatch",
    "accounts:import-commit": "accounts.importbatch",
    "accounts:import-progress": "accounts.importbatch",
    "icp:job": f"jobs.job:{FIT_JOB_KIND}",
    "personas:job": f"jobs.job:{REMATCH_JOB_KIND}",
    "planning:review-compare": "planning.accountreview",
    "planning:timeline": "accounts.account",
    "plays:run": "plays.playrun",
    "checks:job": f"jobs.job:{COVERAGE_JOB_KIND}",
}
# What a list of ids in a body (``TenantIdsField``) names, by its noun.
IDS_OBJECTS = {"account": "accounts.account", "contact": "accounts.contact"}
# Routes outside every workspace, and why the matrix leaves them out.
OUTSIDE_WORKSPACES = {
    "home": "the workspace picker: the user's own memberships",
    "login": "log-in",
    "signup": "creates a new workspace of one's own",
    "logout": "log-out",
    "password_change": "the user's own password",
    "password_change_done": "the user's own password",
    "password_reset": "addressed by e-mail address",
    "password_reset_done": "no data",
    "password_reset_confirm": "addressed by a signed token",
    "password_reset_complete": "no data",
    "invitation-accept": "addressed by a secret token",
    "api-schema": "no tenant data",
    "api-docs": "no tenant data",
    "api-fallback": "a JSON 404 (or the slash-less path's own answer) for any other path under /api/v1/",
    "healthz": "no tenant data",
    "readyz": "no tenant data",
    "favicon": "no tenant data",
    "admin-workspace": "the admin's workspace switcher: only workspaces the user administers (test_admin_scope.py)",
}
ADMIN_NAMESPACE = "admin"  # the admin: TestAdminIsolation in test_isolation.py


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:url_name"
    id_kwargs: tuple[str, ...]
    methods: tuple[str, ...]
    view_class: type | None

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]

    @property
    def in_workspace(self) -> bool:
        return self.namespace not in ("", ADMIN_NAMESPACE)

    @property
    def api_mount(self) -> str | None:
        return self.namespace if self.namespace in ("api", "browser-api") else None

    @property
    def object_key(self) -> str | None:
        if not self.id_kwargs:
            return None
        if self.api_mount:
            return self.view_class.serializer_class.Meta.model._meta.label_lower
        return PAGE_OBJECTS.get(self.name)

    def url(self, world, side: str, slug: str | None = None, object_id=None) -> str:
        kwargs = {}
        if self.namespace != "api":
            kwargs["tenant_slug"] = slug or side
        for kwarg in self.id_kwargs:
            kwargs[kwarg] = object_id if object_id is not None else world.lookup_value(self, side)
        return reverse(self.name, kwargs=kwargs)

    def __str__(self):
        return self.name


def _walk(patterns, namespace="", kwargs=()):
    for pattern in patterns:
        names = kwargs + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _walk(pattern.url_patterns, inner, names)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern, names


@memoize
def all_routes() -> list[Route]:
    routes = []
    for namespace, pattern, kwargs in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        view_class = getattr(callback, "cls", None)
        if getattr(callback, "actions", None):
            allowed = view_class.http_method_names
            methods = tuple(method for method in callback.actions if method in allowed)
        else:
            methods = ("get", "post")
        id_kwargs = tuple(name for name in kwargs if name != "tenant_slug")
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        routes.append(Route(name, id_kwargs, methods, view_class))
    return routes


def workspace_routes() -> list[Route]:
    return [route for route in all_routes() if route.in_workspace]


def clients_for(route: Route) -> list[str]:
    """API keys call /api/v1/, members the workspace's pages and its /t/<slug>/api/."""
    prefix = "key:" if route.api_mount == "api" else "role:"
    return [client for client in CLIENTS if client.startswith(prefix)]


# --- The two workspaces -------------------------------------------------------------------------------


class World:
    def __init__(self):
        self.tenants, self.objects, self.clients = {}, {}, {}

    def lookup_value(self, route: Route, side: str):
        obj = self.objects[side][route.object_key]
        return getattr(obj, route.view_class.lookup_field) if route.api_mount else obj.pk

    def row(self, side: str, key: str):
        """The object's row as the database holds it now (read as its workspace)."""
        obj = self.objects[side][key]
        with as_tenant(self.tenants[side]):
            return type(obj)._default_manager.filter(pk=obj.pk).values().first()

    def count(self, side: str, model) -> int:
        with as_tenant(self.tenants[side]):
            return model._default_manager.filter(tenant=self.tenants[side]).count()


def _build_workspace(world: World, slug: str, label: str):
    tenant = TenantFactory(name=f"{label} Corp", slug=slug)
    users = {}
    for role in Role:
        users[role] = UserFactory(username=f"{role}_{slug}", first_name=label, last_name=role.label)
        MembershipFactory(tenant=tenant, user=users[role], role=role)
    owner = users[Role.OWNER]
    with as_tenant(tenant, owner):
        tier = TierFactory(tenant=tenant, rank=1, name=f"{label} Tier")
        persona = PersonaFactory(tenant=tenant, name=f"{label} Persona")
        account = AccountFactory(
            tenant=tenant,
            name=f"{label} Target",
            domain=f"{slug}-target.com",
            owner=owner,
            tier=tier,
            tier_override_reason=f"{label} reason",
        )
        contact = ContactFactory(tenant=tenant, account=account, first_name=label, persona=persona)
        technology = TechnologyFactory(tenant=tenant, name=f"{label} Tool")
        icp = IcpFactory(tenant=tenant, name=f"{label} ICP")
        upload = SimpleUploadedFile(f"{slug}.csv", f"name,domain\n{label} Import,{slug}-import.com\n".encode())
        objects = [
            account,
            contact,
            tier,
            persona,
            technology,
            icp,
            SignalFactory(tenant=tenant, account=account, contact=contact, title=f"{label} signal"),
            ActivityFactory(tenant=tenant, account=account, contact=contact, subject=f"{label} touch"),
            OpportunityFactory(tenant=tenant, account=account, name=f"{label} deal"),
            AccountTechnology.objects.create(account=account, technology=technology),
            CriterionFactory(tenant=tenant, icp=icp),
            SignOffFactory(tenant=tenant, icp=icp, note=f"{label} sign-off"),
            CommitteeRequirementFactory(tenant=tenant, tier=tier, persona=persona),
            SavedView.objects.create(name=f"{label} view", user=owner, list="accounts", query="q=x"),
            imports.batch_create(kind="accounts", upload=upload),
            Membership.objects.get(tenant=tenant, user=users[Role.MEMBER]),
            tenancy_services.api_key_create(name=f"{label} key", scope=ApiKeyScope.READ_WRITE, created_by=owner)[0],
            tenancy_services.invitation_create(
                email=f"{slug}-invitee@example.com", role=Role.MEMBER, invited_by=owner, accept_url_builder=str
            ),
            Task.objects.create(
                account=account, contact=contact, assignee=owner, title=f"{label} task", due_on=date(2026, 1, 5)
            ),
        ]
        template = PlayTemplateFactory(tenant=tenant, name=f"{label} play")
        offer = OfferFactory(tenant=tenant, name=f"{label} offer")
        review = planning_services.review_create(
            account=account, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), status="green"
        )
        team = team_services.team_create(name=f"{label} Team", rule_tier=tier)
        objects += [
            template,
            offer,
            PlayStepFactory(tenant=tenant, template=template, offer=offer, name=f"{label} step"),
            planning_services.plan_create(account=account, strategy=f"{label} strategy"),
            review,
            planning_services.review_action_create(
                review=review, title=f"{label} action", assignee=owner, due_on=date(2026, 2, 1)
            ),
            planning_services.hand_off_pass(account=account, from_user=owner, to_user=owner, notes=f"{label} lead"),
            team,
            team_services.team_member_add(team=team, user=users[Role.MEMBER], role=TeamRole.SDR),
            team_services.team_account_add(team=team, account=account),
            team_services.role_requirement_create(tier=tier, role=TeamRole.SDR),
            PlayRun.objects.create(template=template, template_version=1, account=account, started_at=timezone.now()),
            TriggerRule.objects.create(signal_type="funding", template=template),
            SpendEntry.objects.create(
                period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), channel="events", amount=1, note=label
            ),
        ]
        checks_services.coverage_check()
        checks_services.decay_check()
        objects += [CoverageResult.objects.get(account=account), StaleMark.objects.filter(account=account).first()]
        by_key = {obj._meta.label_lower: obj for obj in objects}
        for kind in (FIT_JOB_KIND, REMATCH_JOB_KIND, COVERAGE_JOB_KIND):
            by_key[f"jobs.job:{kind}"] = job_create(kind=kind)
        by_key["jobs.job"] = by_key[f"jobs.job:{FIT_JOB_KIND}"]
        by_key["auth.user"] = owner
    world.tenants[slug], world.objects[slug] = tenant, by_key
    return users


@pytest.fixture(scope="module", autouse=True)
def empty_cache():
    """Once for the module, not per test: the cached sessions, members and keys of the world stay valid."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def unthrottled(settings):
    """Each key sends the matrix far more than a minute's allowance of requests; the limit has its own tests
    (test_brute_force.py), and a 429 here would hide the answer under test."""
    settings.API_KEY_THROTTLE_RATE = None


@pytest.fixture
def fast_password_hashing():
    """Set for the whole module by ``world``."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = World()
            users = _build_workspace(world, OWN, "Alpha")
            _build_workspace(world, FOREIGN, "Bravo")
            for role, user in users.items():
                world.clients[f"role:{role}"] = client = Client()
                client.force_login(user)
            for scope in ApiKeyScope:
                with as_tenant(world.tenants[OWN]):
                    _, raw_key = tenancy_services.api_key_create(
                        name=f"{scope} key", scope=scope, created_by=users[Role.OWNER]
                    )
                world.clients[f"key:{scope}"] = client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def send(world, client_name, method, url, body=None, *, json=True):
    client = world.clients[client_name]
    extra = {"HTTP_HX_REQUEST": "true"} if "/t/" in url and "/api/" in url else {}
    if json:
        return getattr(client, method)(url, body or {}, content_type="application/json", **extra)
    return getattr(client, method)(url, body or {}, **extra)


def reveals(response) -> bool:
    return FOREIGN_MARKER in response.content.decode(errors="replace").lower()


# --- Coverage -----------------------------------------------------------------------------------------


def test_every_route_is_in_the_matrix(world):
    """A route outside the workspaces must be listed with its reason; one with ids, name B's objects."""
    unlisted, unmapped = [], []
    for route in all_routes():
        if route.name.startswith(f"{ADMIN_NAMESPACE}:"):
            continue
        if not route.in_workspace:
            if route.name not in OUTSIDE_WORKSPACES:
                unlisted.append(route.name)
        elif route.id_kwargs and route.object_key not in world.objects[FOREIGN]:
            unmapped.append(route.name)
    stale = set(OUTSIDE_WORKSPACES) - {route.name for route in all_routes()}
    assert (unlisted, unmapped, stale) == ([], [], set())


def test_every_reference_field_in_a_body_is_in_the_matrix(world):
    unmapped = [
        (endpoint.path, endpoint.method, field)
        for endpoint in body_endpoints()
        for field, key, _ in endpoint.references
        if key not in world.objects[FOREIGN]
    ]
    unmapped += [name for name, key in query_id_params().items() if key not in world.objects[FOREIGN]]
    assert unmapped == []


def test_every_viewset_of_the_router_is_aimed_at():
    """Guards the generator itself: were route discovery broken, the matrix would pass empty."""
    aimed = {route.view_class for route in workspace_routes() if route.api_mount}
    assert {viewset for _, viewset, _ in router.registry} <= aimed
    assert sorted({endpoint.route.view_class.__name__ for endpoint in body_endpoints()}) == [
        "AccountPlanViewSet",
        "AccountReviewViewSet",
        "AccountTechnologyViewSet",
        "AccountViewSet",
        "ActivityViewSet",
        "CommitteeRequirementViewSet",
        "ContactViewSet",
        "CriterionViewSet",
        "HandOffViewSet",
        "IcpViewSet",
        "OfferViewSet",
        "OpportunityViewSet",
        "PlayRunViewSet",
        "PlayStepViewSet",
        "PlayTemplateViewSet",
        "ReviewActionViewSet",
        "RoleRequirementViewSet",
        "SignOffViewSet",
        "SignalViewSet",
        "TaskViewSet",
        "TeamAccountViewSet",
        "TeamMemberViewSet",
        "TeamViewSet",
        "TierOverrideViewSet",
        "TriggerRuleViewSet",
    ]


# --- B's ids in the URL -------------------------------------------------------------------------------


def route_params(routes):
    return [pytest.param(route, id=route.name) for route in routes]


@pytest.mark.parametrize("route", route_params(route for route in workspace_routes() if route.id_kwargs))
def test_foreign_ids_answer_like_missing_ones_and_change_nothing(world, route):
    """Every role or key, every verb: B's id answers 404, or the role refusal a missing id gets too."""
    json = bool(route.api_mount)
    foreign_url = route.url(world, OWN, object_id=world.lookup_value(route, FOREIGN))
    missing_url = route.url(world, OWN, object_id=MISSING_ID)
    before = world.row(FOREIGN, route.object_key)
    failures = []
    for client_name in clients_for(route):
        for method in route.methods:
            for body in PAGE_POST_BODIES if (method == "post" and not route.api_mount) else [WRITE_BODY]:
                response = send(world, client_name, method, foreign_url, body, json=json)
                answer = response.status_code
                if answer != 404:
                    missing = send(world, client_name, method, missing_url, body, json=json).status_code
                    if (answer, missing) not in [(403, 403), (405, 405)]:
                        failures.append(f"{client_name} {method}: {answer} for B's id, {missing} for a missing id")
                if reveals(response):
                    failures.append(f"{client_name} {method}: the answer names B")
                if method != "get" and world.row(FOREIGN, route.object_key) != before:
                    failures.append(f"{client_name} {method} {body}: changed B's row")
    assert failures == []


# --- B's slug -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", route_params(route for route in workspace_routes() if route.api_mount != "api"))
def test_the_other_workspaces_slug_is_404(world, route):
    """B's slug with B's ids: A's members are not members of B, so B's pages do not exist for them."""
    kwargs = {"tenant_slug": FOREIGN} | {kwarg: world.lookup_value(route, FOREIGN) for kwarg in route.id_kwargs}
    url = reverse(route.name, kwargs=kwargs)
    before = world.row(FOREIGN, route.object_key) if route.object_key else None
    failures = [
        f"{client_name} {method}: {response.status_code}"
        for client_name in clients_for(route)
        for method in ("get", "post")
        if (response := send(world, client_name, method, url, WRITE_BODY, json=False)).status_code != 404
        or reveals(response)
    ]
    assert failures == []
    if route.object_key:
        assert world.row(FOREIGN, route.object_key) == before


# --- Lists and pages without ids ----------------------------------------------------------------------


# Found by the matrix, not an isolation fault (the form partial iterates the defaults as if they were errors).
@pytest.mark.parametrize(
    "route",
    [
        pytest.param(route, id=route.name)
        for route in workspace_routes()
        if not route.id_kwargs and "get" in route.methods
    ],
)
def test_own_lists_and_pages_show_nothing_of_the_other_workspace(world, route):
    failures = []
    for client_name in clients_for(route):
        response = send(world, client_name, "get", route.url(world, OWN), json=bool(route.api_mount))
        if response.status_code >= 500 or reveals(response):
            failures.append(f"{client_name}: {response.status_code}")
    assert failures == []


# --- B's ids in query strings -------------------------------------------------------------------------

# Read by page shells and new forms (``?account=`` preselects, ``?icp=`` names the version); list filters add theirs.
QUERY_OBJECTS = {"account": "accounts.account", "icp": "icp.idealcustomerprofile", "assignee": "auth.user"}
CSRF_TOKEN = re.compile(rb"[A-Za-z0-9]{64}")


@memoize
def query_id_params() -> dict[str, str]:
    """Every query parameter that names an object: the id filters of the router's filtersets, and the above."""
    params = dict(QUERY_OBJECTS)
    for _, viewset, _ in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        for name, declared in filterset.base_filters.items() if filterset else []:
            if isinstance(declared, NumberFilter) and declared.field_name.endswith("_id"):
                model = filterset._meta.model
                for hop in declared.field_name.removesuffix("_id").split("__"):
                    model = model._meta.get_field(hop).related_model
                params[name] = model._meta.label_lower
    return params


@pytest.mark.parametrize(
    "route",
    route_params(route for route in workspace_routes() if not route.id_kwargs and "get" in route.methods),
)
def test_foreign_ids_in_query_strings_answer_like_missing_ones(world, route):
    """Lists, pages and forms given B's ids as filters or preselections answer as for ids that do not exist."""
    params = sorted(query_id_params().items())
    foreign = {name: world.objects[FOREIGN][key].pk for name, key in params}
    missing = {name: MISSING_ID + index for index, (name, _) in enumerate(params)}
    failures = []
    for client_name in clients_for(route):
        answers = []
        for ids in (foreign, missing):
            response = send(world, client_name, "get", f"{route.url(world, OWN)}?{urlencode(ids)}", json=False)
            answers.append((response.status_code, CSRF_TOKEN.sub(b"<csrf>", response.content)))
        expected = answers[1][1]
        for name, missing_id in missing.items():
            expected = expected.replace(str(missing_id).encode(), str(foreign[name]).encode())
        if answers[0] != (answers[1][0], expected) or FOREIGN_MARKER.encode() in answers[0][1].lower():
            failures.append(f"{client_name}: {answers[0][0]} for B's ids, {answers[1][0]} for missing ones")
    assert failures == []


# --- B's ids in request bodies ------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyEndpoint:
    path: str  # as in the API schema, e.g. /api/v1/accounts/{pk}/
    method: str
    route: Route
    references: tuple[tuple[str, str, bool], ...]  # (field, object key, many)
    is_list: bool = False  # a bulk create: the body is a list of objects, errors are keyed by the item's index


def _related_model(field):
    if isinstance(field, TenantMemberField):
        return get_user_model()
    return field.model if isinstance(field, TenantRelatedField) else field.queryset.model


def _references(serializer) -> list[tuple[str, str, bool]]:
    found = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        many = isinstance(field, (serializers.ManyRelatedField, TenantIdsField))
        relation = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
        if isinstance(relation, serializers.RelatedField):
            found.append((name, _related_model(relation)._meta.label_lower, many))
        elif isinstance(field, TenantIdsField):
            found.append((name, IDS_OBJECTS.get(field.noun, f"unmapped noun {field.noun}"), True))
        elif isinstance(field, serializers.BaseSerializer):
            nested = field.child if isinstance(field, serializers.ListSerializer) else field
            found += [(f"{name}.{inner}", f"nested reference {key}", many) for inner, key, many in _references(nested)]
    return found


@memoize
def body_endpoints() -> list[BodyEndpoint]:
    """Every API endpoint that takes a body, with the reference fields of its request serializer."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    routes = {route.name: route for route in all_routes()}
    endpoints = []
    for path, path_regex, method, callback in generator.endpoints:
        if method not in ("POST", "PUT", "PATCH"):
            continue
        view = generator.create_view(callback, method)
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        view.schema.path, view.schema.path_regex, view.schema.method, view.schema.view = path, path_regex, method, view
        serializer = view.schema.get_request_serializer()
        if isinstance(serializer, dict):  # per media type
            serializer = next(iter(serializer.values()))
        if serializer is None:
            continue
        if isinstance(serializer, type):
            serializer = serializer()
        is_list = isinstance(serializer, serializers.ListSerializer)
        references = tuple(_references(serializer.child if is_list else serializer))
        if references:
            route = routes[_route_name(callback, view.action)]
            endpoints.append(BodyEndpoint(path, method.lower(), route, references, is_list))
    return endpoints


def _route_name(callback, action: str) -> str:
    """The router's URL name of an action: list and detail for the standard ones, the action's own otherwise."""
    standard = {"create": "list", "update": "detail", "partial_update": "detail"}
    suffix = standard.get(action) or getattr(callback.cls, action).url_name
    return f"api:{callback.initkwargs['basename']}-{suffix}"


def body_params():
    return [
        pytest.param(endpoint, field, key, many, id=f"{endpoint.method.upper()} {endpoint.path} {field}")
        for endpoint in body_endpoints()
        for field, key, many in endpoint.references
    ]


def _body(endpoint, field: str, value, many: bool) -> dict | list:
    body = {field: [value] if many else value}
    return [body] if endpoint.is_list else body


def _named(endpoint, field: str, errors: dict) -> bool:
    errors = errors.get("0", {}) if endpoint.is_list else errors
    return field.split(".")[0] in errors


@pytest.mark.parametrize(("endpoint", "field", "key", "many"), body_params())
def test_foreign_ids_in_bodies_are_refused_like_missing_ones(world, endpoint, field, key, many):
    """Both mounts, every role or key: B's id in a reference field is refused exactly as a missing id (400
    naming the field, or the role refusal), names nothing of B, stores nothing."""
    foreign = world.objects[FOREIGN][key]
    model = endpoint.route.view_class.serializer_class.Meta.model

    def state():
        own = world.row(OWN, endpoint.route.object_key) if endpoint.route.object_key else world.count(OWN, model)
        return own, world.row(FOREIGN, key)

    before = state()
    failures = []
    for mount in ("api", "browser-api"):
        route = replace(endpoint.route, name=f"{mount}:{endpoint.route.name.split(':', 1)[1]}")
        url = route.url(world, OWN)
        for client_name in clients_for(route):
            response = send(world, client_name, endpoint.method, url, _body(endpoint, field, foreign.pk, many))
            missing = send(world, client_name, endpoint.method, url, _body(endpoint, field, MISSING_ID, many))
            expected = missing.content.replace(str(MISSING_ID).encode(), str(foreign.pk).encode())
            problem = (
                (response.status_code not in (400, 403) and f"answered {response.status_code}")
                or (response.status_code != missing.status_code and f"{missing.status_code} for a missing id")
                or (response.content != expected and "answered unlike a missing id")
                or (reveals(response) and "the answer names B")
                or (
                    (mount == "api" and response.status_code == 400 and not _named(endpoint, field, response.json()))
                    and "the field is not named"
                )
            )
            if problem:
                failures.append(f"{mount} {client_name}: {problem}")
    assert failures == []
    assert state() == before
