"""The dashboard: one home per role (SDR, AE, marketing, the leaders' programme scorecard), filtered by period,
tier, team and owner. The figures come from the metric functions the API serves (``metrics/selectors``)."""

from dataclasses import replace
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from rest_framework.exceptions import ValidationError

from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.selectors import tenant_memberships
from accounts.selectors import engagement_by_account, tiers_to_choose
from teams.models import Team

from .charts import Chart, Series, csv_url
from .filters import PERIOD_PRESETS, metric_filters
from .selectors import (
    coverage,
    distributions,
    engagement,
    funnel,
    homes,
    lifecycle,
    marketing,
    pipeline,
    rollout,
    summary,
)

CARD_ROWS = 8
PAGE_ROWS = 25
FILTER_NAMES = ("period", "start", "end", "tier", "team", "owner")


def dashboard(request, tenant_slug):
    """The member's home (``?view=`` another one), the filter form and, for htmx, the figures alone."""
    chosen = homes.home_for(request.user, request.tenant_role)
    view = request.GET.get("view") or chosen
    given = {name: request.GET[name] for name in FILTER_NAMES if request.GET.get(name, "") != ""}
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
        context.update(HOME_BUILDERS[view](request, tenant_slug, filters))
    template = "metrics/dashboard.html#body" if request.htmx else "metrics/dashboard.html"
    return render(request, template, context, status=status)


def _sdr(request, tenant_slug, filters):
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


def _ae(request, tenant_slug, filters):
    accounts = homes.account_health(request.user, filters)
    page = Paginator(accounts, PAGE_ROWS).get_page(request.GET.get("page"))
    engagement = engagement_by_account([account.pk for account in page])
    for account in page:
        account.engagement = engagement[account.pk]
    mine = filters if filters.owner else replace(filters, owner=request.user.pk)
    return {
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "totals": homes.account_health_totals(request.user, filters),
        "charts": [_pipeline_chart(tenant_slug, mine, "Open pipeline of the accounts you own, by stage")],
    }


def _marketing(request, tenant_slug, filters):
    campaigns = marketing.marketing(filters)
    engaged = engagement.engagement(filters, limit=0)
    return {
        "campaigns": campaigns,
        "engaged": engaged,
        "charts": [
            Chart(
                key="marketing",
                title="Campaign figures by channel",
                kind="bar",
                rows=campaigns["results"],
                label_key="channel_label",
                label_title="Channel",
                series=[
                    Series("impressions", "Impressions"),
                    Series("clicks", "Clicks"),
                    Series("conversions", "Conversions"),
                    Series("click_through_rate", "Click-through rate", "ratio", chart=False),
                    Series("engagement_rate", "Engagement rate", "ratio", chart=False),
                ],
                csv_url=csv_url(tenant_slug, "marketing", filters),
            ),
            Chart(
                key="engaged-contacts",
                title="Engaged contacts by buying role",
                kind="horizontal-bar",
                rows=engaged["engaged_contacts_by_role"],
                label_key="label",
                label_title="Buying role",
                series=[Series("contacts", "Engaged contacts")],
                csv_url=csv_url(tenant_slug, "engagement", filters),
            ),
        ],
    }


def _leader(request, tenant_slug, filters):
    covered = coverage.coverage(filters)
    cohorts = pipeline.pipeline(filters)
    charts = []
    if covered["trend"]:
        charts.append(
            Chart(
                key="coverage-trend",
                title="Coverage over the period (daily snapshots)",
                kind="line",
                rows=covered["trend"],
                label_key="day",
                label_title="Day",
                series=[
                    Series("accounts_coverage", "Accounts without a gap", "ratio"),
                    Series("personas_coverage", "Required personas covered", "ratio"),
                ],
                csv_url=csv_url(tenant_slug, "snapshots", filters),
            )
        )
    funnel_figures = funnel.funnel(filters)
    charts += [
        Chart(
            key="funnel",
            title="Sales-development funnel (target accounts)",
            kind="bar",
            rows=[{"stage": stage, "accounts": funnel_figures[stage]} for stage in funnel.STAGES],
            label_key="stage",
            label_title="Stage",
            labels={"prospected": "Prospected", "connected": "Connected", "passed": "Passed", "accepted": "Accepted"},
            series=[Series("accounts", "Accounts")],
            csv_url=csv_url(tenant_slug, "funnel", filters),
        ),
        Chart(
            key="pipeline",
            title="Win rate: target accounts against non-target cohorts",
            kind="bar",
            rows=cohorts["results"],
            label_key="cohort",
            label_title="Cohort",
            labels=COHORT_LABELS,
            series=[
                Series("win_rate", "Win rate", "ratio"),
                Series("accounts", "Accounts", chart=False),
                Series("pipeline_created_amount", "Pipeline created", "money", chart=False),
                Series("average_deal_size", "Average deal size", "money", chart=False),
                Series("sales_cycle_days", "Sales cycle (days)", chart=False),
                Series("deal_velocity", "Deal velocity (per day)", "money", chart=False),
            ],
            csv_url=csv_url(tenant_slug, "pipeline", filters),
        ),
        _band_chart(
            tenant_slug,
            filters,
            "coverage-distribution",
            "Target accounts by persona coverage (%)",
            distributions.coverage_distribution(filters),
        ),
        _band_chart(
            tenant_slug,
            filters,
            "fit-scores",
            "Target accounts by fit score",
            distributions.fit_score_distribution(filters),
        ),
        _pipeline_chart(tenant_slug, filters, "Open pipeline by stage"),
    ]
    return {
        "programme": summary.programme_figures_cached(),
        "coverage": covered,
        "funnel": funnel_figures,
        "funnel_rates": [
            ("Connect rate", funnel_figures["connect_rate"]),
            ("Pass rate", funnel_figures["pass_rate"]),
            ("Pipeline rate", funnel_figures["pipeline_rate"]),
        ],
        "lifecycle": lifecycle.lifecycle(filters),
        "rollout": rollout.rollout(filters),
        "charts": charts,
    }


COHORT_LABELS = {"target": "Target accounts", "random_customers": "Random customers", "look_alike": "Look-alikes"}


def _band_chart(tenant_slug, filters, metric, title, figures) -> Chart:
    return Chart(
        key=metric,
        title=title,
        kind="bar",
        rows=figures["results"],
        label_key="band",
        label_title="Band",
        labels={"none": "none"},
        series=[Series("accounts", "Target accounts")],
        csv_url=csv_url(tenant_slug, metric, filters),
    )


def _pipeline_chart(tenant_slug, filters, title) -> Chart:
    return Chart(
        key="pipeline-by-stage",
        title=title,
        kind="bar",
        rows=distributions.pipeline_by_stage(filters)["results"],
        label_key="stage",
        label_title="Stage",
        series=[Series("amount", "Amount", "money"), Series("opportunities", "Opportunities", chart=False)],
        csv_url=csv_url(tenant_slug, "pipeline-by-stage", filters),
    )


HOME_BUILDERS = {homes.SDR: _sdr, homes.AE: _ae, homes.MARKETING: _marketing, homes.LEADER: _leader}
