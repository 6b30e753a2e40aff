from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from abs_platform.tenancy.models import Role
from abs_platform.tenancy.selectors import assignable_members
from abs_platform.tenancy.views import require_role
from accounts.freshness import FRESHNESS_DAYS

from . import imports, selectors
from .engagement import WINDOW_DAYS
from .extensions import account_sections
from .models import (
    AccountStatus,
    BuyingRole,
    ContactStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Seniority,
)

ACCOUNT_ORDERINGS = [
    ("-created_at", "Newest first"),
    ("-fit_sort", "Best fit first"),
    ("name", "Name A–Z"),
    ("-name", "Name Z–A"),
    ("-updated_at", "Recently updated"),
]
# The query parameters the Accounts page's filter form shows again (the list fragment reads the same ones).
ACCOUNT_PAGE_PARAMS = (
    "search",
    "status",
    "industry",
    "tier",
    "fit_min",
    "fit_max",
    "has_gaps",
    "coverage_max",
    "owner",
    "is_target",
    "ordering",
)


def page(request, tenant_slug):
    """The Accounts page: filters and panels; rows and forms come from the API as htmx fragments."""
    return render(
        request,
        "accounts/page.html",
        {
            "nav": "accounts",
            "api_url": reverse("browser-api:account-list", args=[tenant_slug]),
            "import_url": reverse("accounts:import", args=[tenant_slug]),
            # A plain dict with every key: a template's lookup of a key missing from a QueryDict is slow.
            "f": {name: request.GET.get(name, "") for name in ACCOUNT_PAGE_PARAMS},
            "statuses": AccountStatus.choices,
            "industries": selectors.account_industries(),
            "members": [(user.pk, user.get_full_name() or user.username) for user in assignable_members()],
            "tiers": [(tier.pk, tier.name) for tier in selectors.tiers_to_choose()],
            "orderings": ACCOUNT_ORDERINGS,
            "saved_views_url": reverse("browser-api:saved-view-list", args=[tenant_slug]),
            "getting_started": not selectors.workspace_has_accounts(),
        },
    )


@require_role(Role.ADMIN)
def industries_page(request, tenant_slug):
    """Rename or merge the workspace's industry values (admins); the list and the change go through the accounts
    API's ``industries`` action."""
    return render(
        request,
        "accounts/industries.html",
        {"nav": "accounts", "api_url": reverse("browser-api:account-list", args=[tenant_slug])},
    )


CONTACT_ORDERINGS = [
    ("last_name", "Name A–Z"),
    ("-last_name", "Name Z–A"),
    ("account_sort", "Account A–Z"),
    ("verified_sort", "Longest unverified first"),
    ("-verified_sort", "Recently verified first"),
]


def contacts_page(request, tenant_slug):
    """The Contacts page: every stakeholder of the workspace, with filters, sort, bulk changes, inline edits.
    Rows and forms come from the contacts API as htmx fragments in this page's layout (``X-Contact-Layout``)."""
    return render(
        request,
        "accounts/contacts_page.html",
        {
            "nav": "contacts",
            "api_url": reverse("browser-api:contact-list", kwargs={"tenant_slug": tenant_slug}),
            "account_options_url": reverse("contacts:account-options", kwargs={"tenant_slug": tenant_slug}),
            "account_choices": selectors.account_choices(selected=request.GET.get("account")),
            "personas": list(selectors.personas_to_choose()),
            "members": assignable_members(),
            "departments": selectors.contact_departments(),
            "buying_roles": BuyingRole.choices,
            "statuses": ContactStatus.choices,
            "seniorities": Seniority.choices,
            "orderings": CONTACT_ORDERINGS,
            "freshness_days": FRESHNESS_DAYS,
            "saved_views_url": reverse("browser-api:saved-view-list", kwargs={"tenant_slug": tenant_slug}),
        },
    )


def account_options(request, tenant_slug):
    """The options of an account picker (htmx): accounts whose name contains ``q``, keeping the selected
    ``account``; ``purpose=filter`` offers "any account" instead of asking for one."""
    return render(
        request,
        "accounts/account_picker.html#options",
        {
            "account_choices": selectors.account_choices(
                search=request.GET.get("q", ""), selected=request.GET.get("account")
            ),
            "purpose": request.GET.get("purpose", "form"),
        },
    )


# --- CSV import ---------------------------------------------------------------------------------------


def _import_batch(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("job").filter(pk=batch_id).first()
    if batch is None:  # another workspace's batch is simply not there
        raise Http404("No such import.")
    return batch


def _render_import_batch(request, batch, *, error: str = "", mapping: dict | None = None, status: int = 200):
    mapping = mapping if mapping is not None else batch.mapping
    report = batch.report or {}
    return render(
        request,
        "accounts/import_batch.html",
        {
            "nav": "accounts",
            "batch": batch,
            "job": batch.job,
            "running": imports.batch_running(batch),
            "columns": [(index, header, mapping.get(header, "")) for index, header in enumerate(batch.headers)],
            "fields": imports.FIELDS[batch.kind],
            "required": imports.required_fields_message(batch.kind),
            "counts": report.get("counts", {}),
            "preview": imports.report_preview(report),
            "preview_size": imports.PREVIEW_ROWS,
            "written": report.get("written", {}),
            "error": error,
            "can_commit": batch.status == ImportStatus.VALIDATED and not report.get("counts", {}).get("error"),
        },
        status=status,
    )


@require_role(Role.MEMBER)
def import_start(request, tenant_slug):
    """Upload a CSV of accounts or contacts; the next page maps its columns."""
    error, kind = "", request.POST.get("kind") or request.GET.get("kind") or ImportKind.ACCOUNTS
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise imports.ImportFileError("Choose a CSV file to upload.")
            batch = imports.batch_create(
                kind=kind, upload=upload, new_accounts_target=request.POST.get("new_accounts_target") == "on"
            )
        except imports.ImportFileError as exc:
            error, status = str(exc), 400
        else:
            return redirect("accounts:import-batch", tenant_slug=tenant_slug, batch_id=batch.pk)
    return render(
        request,
        "accounts/import.html",
        {
            "nav": "accounts",
            "kinds": ImportKind.choices,
            "kind": kind,
            "error": error,
            "batches": ImportBatch.objects.defer("content", "report").order_by("-created_at", "-id")[:10],
            "sync_limit": imports.IMPORT_SYNC_LIMIT,
            "max_rows": settings.IMPORT_MAX_ROWS,
            "max_megabytes": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@require_role(Role.MEMBER)
def import_template(request, tenant_slug):
    """The header row of a file of ``?kind=``: every column the import reads."""
    kind = request.GET.get("kind", "")
    if kind not in imports.FIELDS:
        raise Http404("No such kind of import.")
    response = HttpResponse(imports.template_csv(kind).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-import.csv"'
    return response


@require_role(Role.MEMBER)
def import_batch(request, tenant_slug, batch_id):
    """One import: its column mapping, dry-run report, commit button and job progress."""
    return _render_import_batch(request, _import_batch(batch_id))


@require_POST
@require_role(Role.MEMBER)
def import_dry_run(request, tenant_slug, batch_id):
    batch = _import_batch(batch_id)
    mapping = {header: request.POST.get(f"column-{index}", "") for index, header in enumerate(batch.headers)}
    try:
        batch = imports.batch_set_mapping(batch=batch, mapping=mapping)
        imports.batch_run(batch=batch, phase="dry_run")
    except (imports.ImportMappingError, imports.ImportCommitError) as exc:
        return _render_import_batch(request, batch, error=str(exc), mapping=mapping, status=400)
    return redirect("accounts:import-batch", tenant_slug=tenant_slug, batch_id=batch.pk)


@require_POST
@require_role(Role.MEMBER)
def import_commit(request, tenant_slug, batch_id):
    batch = _import_batch(batch_id)
    try:
        imports.batch_run(batch=batch, phase="commit")
    except imports.ImportCommitError as exc:
        return _render_import_batch(request, _import_batch(batch_id), error=str(exc), status=400)
    return redirect("accounts:import-batch", tenant_slug=tenant_slug, batch_id=batch.pk)


@require_role(Role.MEMBER)
def import_progress(request, tenant_slug, batch_id):
    """The progress bar of a running import (htmx polls it); once finished, the page reloads."""
    batch = _import_batch(batch_id)
    if not imports.batch_running(batch):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = reverse(
            "accounts:import-batch", kwargs={"tenant_slug": tenant_slug, "batch_id": batch.pk}
        )
        return response
    return render(request, "accounts/import_batch.html#progress", {"batch": batch, "job": batch.job, "running": True})


# --- The account page ---------------------------------------------------------------------------------


def account_page(request, tenant_slug, account_id):
    """One account: header with its engagement, the firmographics and fit cards, the sections other apps add
    (``accounts.extensions``: the buying committee, …) and the hierarchy tree with roll-ups; contacts,
    activities, signals and opportunities come from their APIs as htmx fragments, and the firmographics card is
    edited in place through the accounts API. ``?part=head``, ``?part=fit``, ``?part=engagement``,
    ``?part=hierarchy`` or ``?part=<section>`` answers that part alone: the page loads the hierarchy and the lazy
    sections so after its first response, and htmx refreshes parts when anything on the page changes."""
    account = get_object_or_404(selectors.accounts_for_page(), pk=account_id)
    context = {"nav": "accounts", "account": account, "window_days": WINDOW_DAYS}
    part = request.GET.get("part")
    if part == "engagement":
        context["engagement"] = selectors.engagement_by_account([account.pk])[account.pk]
        return render(request, "accounts/account_page.html#engagement", context)
    if part in ("head", "fit"):
        return render(request, f"accounts/account_page.html#{part}", context)
    if part == "hierarchy":
        ancestors = selectors.account_ancestors(account)
        root = ancestors[0] if ancestors else account
        nodes = selectors.hierarchy_nodes(root)
        context.update(
            {"tree": selectors.hierarchy_tree(nodes, root.pk), "tree_cut": len(nodes) >= selectors.TREE_MAX_NODES}
        )
        return render(request, "accounts/account_page.html#hierarchy", context)
    sections = account_sections()
    for section in sections:
        if part == section.name:
            return render(request, section.template_name, {**context, **section.context(account)})
    for section in sections:
        if not section.lazy:
            context.update(section.context(account))
    context.update(
        {
            "sections": sections,
            "tiers": selectors.tiers_to_choose(),
            "ancestors": selectors.account_ancestors(account),
            "engagement": selectors.engagement_by_account([account.pk])[account.pk],
        }
    )
    return render(request, "accounts/account_page.html", context)
