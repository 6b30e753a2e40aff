"""The dashboard: one home per role (SDR, AE, marketing, the leaders' programme scorecard), filtered by period,
tier, team and owner. The figures come from the metric functions the API serves (``metrics/selectors``)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework.exceptions import ValidationError

from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.selectors import tenant_memberships
from accounts.selectors import engagement_by_account, tiers_to_choose
from teams.models import Team

from . import home_charts
from .filters import PERIOD_PRESETS, metric_filters
from .selectors import homes, lifecycle, rollout, summary

CARD_ROWS = 8
PAGE_ROWS = 25
FILTER_NAMES = ("period", "start", "end", "tier", "team", "owner")


def dashboard(request, tenant_slug):
    """The member's home (``?view=`` another one), the filter form and, for htmx, the figures alone."""
    chosen = homes.home_for(request.user, request.tenant_role)
    view = request.GET.get("view") or chosen
    given = _given(request)
    context = {
        "nav": "dashboard",
        "view": view,
        "title": homes.HOMES.get(view, "Dashboard"),
        "chosen": chosen,
        "homes": homes.HOMES,
        "given": given,
        "switch_query": urlencode(given),
        "page_query": urlencode({"view": view, **given}),
        "periods": sorted(PERIOD_PRESETS, key=PERIOD_PRESETS.get),
        "tiers": tiers_to_choose(),
        "teams": Team.objects.order_by("name", "id"),
        "members": tenant_memberships(),
    }
    status = 200
    try:
        if view not in homes.HOMES:
            raise ValidationError({"view": [f"Choose one of: {', '.join(homes.HOMES)}."]})
        filters = metric_filters(given)
    except ValidationError as error:
        context["errors"], status = error.detail, 400
    else:
        context["filters"] = filters
        context.update(HOME_BUILDERS[view](request, home_charts.Figures(request, tenant_slug, filters)))
    template = "metrics/dashboard.html#body" if request.htmx else "metrics/dashboard.html"
    return render(request, template, context, status=status)


def _given(request) -> dict:
    """The filters the address gives (empty ones dropped)."""
    return {name: request.GET[name] for name in FILTER_NAMES if request.GET.get(name, "") != ""}


def _sdr(request, figures):
    filters = figures.filters
    tasks, task_count = homes.todays_tasks(request.user, CARD_ROWS)
    gaps, gap_count = homes.coverage_gaps_of(request.user, filters, CARD_ROWS)
    signals, signal_count = homes.new_signals_of(request.user, filters, CARD_ROWS)
    return {
        "tasks": tasks,
        "task_count": task_count,
        "gaps": gaps,
        "gap_count": gap_count,
        "signals": signals,
        "signal_count": signal_count,
        "new_signal_days": homes.NEW_SIGNAL_DAYS,
        "today": workspace_today(),
        "has_accounts": homes.accounts_of(request.user, filters).exists(),
    }


def _ae(request, figures):
    accounts = homes.account_health(request.user, figures.filters)
    page = Paginator(accounts, PAGE_ROWS).get_page(request.GET.get("page"))
    engagement = engagement_by_account([account.pk for account in page])
    for account in page:
        account.engagement = engagement[account.pk]
    return {
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "totals": homes.account_health_totals(request.user, figures.filters),
        "charts": home_charts.charts(("my-engagement-movers", "my-pipeline-by-stage"), figures),
    }


def _marketing(request, figures):
    return {
        "campaigns": figures.marketing,
        "engaged": figures.engagement,
        "charts": home_charts.charts(("engagement-movers", "marketing", "engaged-contacts"), figures),
    }


LEADER_CHARTS = (
    "coverage-trend",
    "funnel",
    "pipeline",
    "play-effectiveness",
    "coverage-distribution",
    "fit-scores",
    "pipeline-by-stage",
)


def _leader(request, figures):
    funnel_figures = figures.funnel
    return {
        "programme": summary.programme_figures_cached(),
        "coverage": figures.coverage,
        "funnel": funnel_figures,
        "funnel_rates": [
            ("Connect rate", funnel_figures["connect_rate"]),
            ("Pass rate", funnel_figures["pass_rate"]),
            ("Pipeline rate", funnel_figures["pipeline_rate"]),
        ],
        "lifecycle": lifecycle.lifecycle(figures.filters),
        "rollout": rollout.rollout(figures.filters),
        "charts": home_charts.charts(LEADER_CHARTS, figures),
    }


def chart_csv(request, tenant_slug):
    """One chart's table as CSV (``?chart=<key>`` and the filters of the page it was on); 400 naming a filter
    that is not valid. A query parameter, not a path segment: only object ids go in workspace paths."""
    key = request.GET.get("chart", "")
    if key not in home_charts.BUILDERS:
        raise Http404
    try:
        filters = metric_filters(_given(request))
    except ValidationError as error:
        return JsonResponse(error.detail, status=400)
    chart = home_charts.chart(key, home_charts.Figures(request, tenant_slug, filters))
    response = HttpResponse(chart.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}.csv"'
    return response


HOME_BUILDERS = {homes.SDR: _sdr, homes.AE: _ae, homes.MARKETING: _marketing, homes.LEADER: _leader}
