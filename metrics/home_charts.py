"""The dashboard's charts, each built by one function from the metric functions the API serves, so a home and
a chart's CSV (``views.chart_csv``) draw the same rows. ``Figures`` computes each metric once per request."""

from dataclasses import replace
from functools import cached_property, partial

from django.urls import reverse

from .charts import Chart, Series, csv_url
from .filters import MetricFilters
from .selectors import coverage, distributions, engagement, funnel, marketing, pipeline, plays

COHORT_LABELS = {"target": "Target accounts", "random_customers": "Random customers", "look_alike": "Look-alikes"}
STAGE_LABELS = {"prospected": "Prospected", "connected": "Connected", "passed": "Passed", "accepted": "Accepted"}


class Figures:
    """The metric results a page (or one chart's CSV) reads, each computed on first use."""

    def __init__(self, request, tenant_slug: str, filters: MetricFilters):
        self.request, self.tenant_slug, self.filters = request, tenant_slug, filters

    @cached_property
    def mine(self) -> MetricFilters:
        """The filters narrowed to the accounts the member owns, unless they name an owner already."""
        return self.filters if self.filters.owner else replace(self.filters, owner=self.request.user.pk)

    @cached_property
    def coverage(self) -> dict:
        return coverage.coverage(self.filters)

    @cached_property
    def funnel(self) -> dict:
        return funnel.funnel(self.filters)

    @cached_property
    def pipeline(self) -> dict:
        return pipeline.pipeline(self.filters)

    @cached_property
    def marketing(self) -> dict:
        return marketing.marketing(self.filters)

    @cached_property
    def engagement(self) -> dict:
        return engagement.engagement(self.filters, limit=0)

    @cached_property
    def plays(self) -> dict:
        return plays.play_effectiveness(self.filters)

    def url(self, name: str) -> str:
        return reverse(name, kwargs={"tenant_slug": self.tenant_slug})


def _coverage_trend(figures: Figures, filters: MetricFilters) -> Chart:
    trend = figures.coverage["trend"]
    if trend is None:
        empty = "The trend is of the whole workspace (daily snapshots): clear the tier, team and owner filters."
    else:
        empty = (
            "The trend draws from the daily snapshots taken each night once the data health checks have run: "
            "the first points appear the day after."
        )
    return Chart(
        key="coverage-trend",
        title="Coverage over the period (daily snapshots)",
        kind="line",
        rows=trend or [],
        label_key="day",
        label_title="Day",
        series=[
            Series("accounts_coverage", "Accounts without a gap", "ratio"),
            Series("personas_coverage", "Required personas covered", "ratio"),
        ],
        empty=empty,
        action=None if trend is None else ("Open Data health", figures.url("checks:page")),
    )


def _funnel(figures: Figures, filters: MetricFilters) -> Chart:
    return Chart(
        key="funnel",
        title="Sales-development funnel (target accounts)",
        kind="bar",
        rows=[{"stage": stage, "accounts": figures.funnel[stage]} for stage in funnel.STAGES],
        label_key="stage",
        label_title="Stage",
        labels=STAGE_LABELS,
        series=[Series("accounts", "Accounts")],
        empty="No target account was prospected in this period: log an outbound touch (a call, an e-mail) on a "
        "target account's page, or launch a play.",
        action=("Open Plays", figures.url("plays:page")),
    )


def _pipeline(figures: Figures, filters: MetricFilters) -> Chart:
    return Chart(
        key="pipeline",
        title="Win rate: target accounts against non-target cohorts",
        kind="bar",
        rows=figures.pipeline["results"],
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
        empty="No deal was won or lost in this period, so there is no win rate to compare (the other figures are in "
        "the table): record deals and their outcome on the accounts' pages, or import them.",
        action=("Import deals", figures.url("accounts:import")),
    )


def _band_chart(key: str, title: str, rows: list[dict], empty: str, action) -> Chart:
    return Chart(
        key=key,
        title=title,
        kind="bar",
        rows=rows,
        label_key="band",
        label_title="Band",
        labels={"none": "none"},
        series=[Series("accounts", "Target accounts")],
        empty=empty,
        action=action,
    )


def _coverage_distribution(figures: Figures, filters: MetricFilters) -> Chart:
    return _band_chart(
        "coverage-distribution",
        "Target accounts by persona coverage (%)",
        distributions.coverage_distribution(filters)["results"],
        "No target account in scope yet: mark accounts as targets.",
        ("Open Accounts", figures.url("accounts:page")),
    )


def _fit_scores(figures: Figures, filters: MetricFilters) -> Chart:
    return _band_chart(
        "fit-scores",
        "Target accounts by fit score",
        distributions.fit_score_distribution(filters)["results"],
        "No target account in scope yet: mark accounts as targets; the ideal customer profile scores them.",
        ("Open the ICP", figures.url("icp:page")),
    )


def _stages(figures: Figures, filters: MetricFilters, key: str, title: str) -> Chart:
    return Chart(
        key=key,
        title=title,
        kind="bar",
        rows=distributions.pipeline_by_stage(filters)["results"],
        label_key="stage",
        label_title="Stage",
        series=[Series("amount", "Amount", "money"), Series("opportunities", "Opportunities", chart=False)],
        empty="No open opportunities: add a deal on an account's page or import deals (CSV).",
        action=("Import deals", figures.url("accounts:import")),
    )


def _movers(figures: Figures, filters: MetricFilters, key: str, title: str) -> Chart:
    rows = [
        {**row, "url": reverse("accounts:account", args=[figures.tenant_slug, row["account"]])}
        for row in engagement.engagement_movers(filters)
    ]
    return Chart(
        key=key,
        title=title,
        kind="horizontal-bar",
        rows=rows,
        label_key="account_name",
        label_title="Account",
        link_key="url",
        diverging=True,
        series=[
            Series("change", "Change in engagement events"),
            Series("events", "Events in the period", chart=False),
            Series("baseline_per_period", "Baseline (same length)", chart=False),
            Series("change_ratio", "Change against the baseline", "ratio", chart=False),
        ],
        empty=(
            f"No target account's engagement rose or fell sharply in this period (by {engagement.SHARP_CHANGE:.0%} "
            f"or more, with at least {engagement.SHARP_MIN_EVENTS} events): replies, meetings, visits and clicks "
            "logged or imported as activities are what moves it."
        ),
        action=("Import activities", figures.url("accounts:import")),
    )


def _play_effectiveness(figures: Figures, filters: MetricFilters) -> Chart:
    return Chart(
        key="play-effectiveness",
        title="Play effectiveness: what the plays launched in the period did",
        kind="horizontal-bar",
        rows=figures.plays["results"],
        label_key="template_name",
        label_title="Play",
        series=[
            Series("launches", "Launches"),
            Series("completed", "Completed"),
            Series("replies", "Replies"),
            Series("meetings", "Meetings"),
            Series("hand_offs", "Hand-offs"),
            Series("completion", "Completion", "ratio", chart=False),
            Series("pipeline_influenced", "Pipeline influenced", "money", chart=False),
        ],
        empty="No play was launched in this period: launch a play on a target account.",
        action=("Open Plays", figures.url("plays:page")),
    )


def _marketing(figures: Figures, filters: MetricFilters) -> Chart:
    return Chart(
        key="marketing",
        title="Campaign figures by channel",
        kind="bar",
        rows=figures.marketing["results"],
        label_key="channel_label",
        label_title="Channel",
        series=[
            Series("impressions", "Impressions"),
            Series("clicks", "Clicks"),
            Series("conversions", "Conversions"),
            Series("click_through_rate", "Click-through rate", "ratio", chart=False),
            Series("engagement_rate", "Engagement rate", "ratio", chart=False),
        ],
        empty="No ad, web visit or e-mail with impressions, clicks or conversions in this period: integrations "
        "log them, or import them as activities (CSV).",
        action=("Import activities", figures.url("accounts:import")),
    )


def _engaged_contacts(figures: Figures, filters: MetricFilters) -> Chart:
    return Chart(
        key="engaged-contacts",
        title="Engaged contacts by buying role",
        kind="horizontal-bar",
        rows=figures.engagement["engaged_contacts_by_role"],
        label_key="label",
        label_title="Buying role",
        series=[Series("contacts", "Engaged contacts")],
        empty="No contact of a target account engaged in this period: log their replies, meetings and visits on "
        "the account's page, or import activities (CSV).",
        action=("Import activities", figures.url("accounts:import")),
    )


# key: (builder(figures, filters), whether it shows the member's own accounts: ``Figures.mine``)
BUILDERS = {
    "coverage-trend": (_coverage_trend, False),
    "funnel": (_funnel, False),
    "pipeline": (_pipeline, False),
    "coverage-distribution": (_coverage_distribution, False),
    "fit-scores": (_fit_scores, False),
    "pipeline-by-stage": (partial(_stages, key="pipeline-by-stage", title="Open pipeline by stage"), False),
    "my-pipeline-by-stage": (
        partial(_stages, key="my-pipeline-by-stage", title="Open pipeline of the accounts you own, by stage"),
        True,
    ),
    "engagement-movers": (
        partial(_movers, key="engagement-movers", title="Accounts whose engagement moved sharply"),
        False,
    ),
    "my-engagement-movers": (
        partial(_movers, key="my-engagement-movers", title="Your accounts whose engagement moved sharply"),
        True,
    ),
    "play-effectiveness": (_play_effectiveness, False),
    "marketing": (_marketing, False),
    "engaged-contacts": (_engaged_contacts, False),
}


def chart(key: str, figures: Figures) -> Chart:
    """The chart ``key`` (one of ``BUILDERS``) with the link to its CSV."""
    builder, mine = BUILDERS[key]
    filters = figures.mine if mine else figures.filters
    built = builder(figures, filters)
    built.csv_url = csv_url(figures.tenant_slug, key, filters)
    return built


def charts(keys, figures: Figures) -> list[Chart]:
    return [chart(key, figures) for key in keys]
