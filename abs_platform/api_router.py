"""One router for every resource: mounted at /api/v1/ (API keys) and /t/<slug>/api/ (the dashboard)."""

from rest_framework.routers import SimpleRouter

from abs_platform.tenancy.api import MemberViewSet
from abs_platform.web.api_keys import ApiKeyViewSet
from abs_platform.web.jobs import JobViewSet
from accounts.api import (
    AccountExportViewSet,
    AccountTechnologyViewSet,
    AccountViewSet,
    ActivityViewSet,
    ContactExportViewSet,
    ContactViewSet,
    ImportBatchViewSet,
    OpportunityViewSet,
    SavedViewViewSet,
    SignalViewSet,
    TechnologyViewSet,
)
from checks.api import (
    CheckSummaryViewSet,
    CoverageResultViewSet,
    CoverageRunViewSet,
    DecayRunViewSet,
    StaleMarkViewSet,
)
from icp.api import CriterionViewSet, IcpViewSet, SignOffViewSet, TierOverrideViewSet, TierViewSet
from metrics.api.activity import ActivityMetricViewSet
from metrics.api.coverage import CoverageGapViewSet, CoverageViewSet
from metrics.api.data_health import DataHealthViewSet
from metrics.api.distributions import (
    CoverageDistributionViewSet,
    FitScoreDistributionViewSet,
    PipelineByStageViewSet,
)
from metrics.api.engagement import EngagementMetricViewSet
from metrics.api.funnel import FunnelViewSet
from metrics.api.lifecycle import LifecycleViewSet, SpendEntryViewSet
from metrics.api.marketing import MarketingMetricViewSet
from metrics.api.pipeline import PipelineViewSet
from metrics.api.plays import PlayEffectivenessViewSet
from metrics.api.rollout import RolloutViewSet
from metrics.api.search import SearchViewSet
from metrics.api.settings import MetricsSettingsViewSet
from metrics.api.snapshots import SnapshotViewSet
from personas.api import CommitteeRequirementViewSet, PersonaViewSet
from planning.api import (
    AccountPlanViewSet,
    AccountReviewViewSet,
    HandOffViewSet,
    ReviewActionViewSet,
    ReviewCadenceViewSet,
    ReviewScheduleRunViewSet,
    ReviewScheduleViewSet,
    TimelineViewSet,
)
from plays.api import OfferViewSet, PlayRunViewSet, PlayStepViewSet, PlayTemplateViewSet, TriggerRuleViewSet
from tasks.api import TaskScheduleRunViewSet, TaskViewSet, TouchLimitViewSet
from teams.api import (
    RoleRequirementViewSet,
    StaffingViewSet,
    TeamAccountViewSet,
    TeamGapViewSet,
    TeamMemberViewSet,
    TeamViewSet,
)
from webhooks.api import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = SimpleRouter()
# The CSV exports come before "accounts" and "contacts": their detail routes would take "export" for an id.
router.register("accounts/export", AccountExportViewSet, basename="account-export")
router.register("contacts/export", ContactExportViewSet, basename="contact-export")
router.register("imports", ImportBatchViewSet, basename="import")
router.register("accounts", AccountViewSet, basename="account")
# The run routes come before their lists: the lists' detail routes would take "run" for an id.
router.register("checks/coverage/run", CoverageRunViewSet, basename="coverage-run")
router.register("checks/coverage", CoverageResultViewSet, basename="coverage-result")
router.register("checks/stale/run", DecayRunViewSet, basename="decay-run")
router.register("checks/stale", StaleMarkViewSet, basename="stale-mark")
router.register("checks/summary", CheckSummaryViewSet, basename="check-summary")
router.register("members", MemberViewSet, basename="member")
router.register("saved-views", SavedViewViewSet, basename="saved-view")
router.register("contacts", ContactViewSet, basename="contact")
router.register("signals", SignalViewSet, basename="signal")
router.register("activities", ActivityViewSet, basename="activity")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("technologies", TechnologyViewSet, basename="technology")
router.register("account-technologies", AccountTechnologyViewSet, basename="account-technology")
router.register("tiers", TierViewSet, basename="tier")
router.register("icps", IcpViewSet, basename="icp")
router.register("criteria", CriterionViewSet, basename="criterion")
router.register("sign-offs", SignOffViewSet, basename="sign-off")
router.register("tier-overrides", TierOverrideViewSet, basename="tier-override")
router.register("personas", PersonaViewSet, basename="persona")
router.register("committee-requirements", CommitteeRequirementViewSet, basename="committee-requirement")
router.register("offers", OfferViewSet, basename="offer")
router.register("play-templates", PlayTemplateViewSet, basename="play-template")
router.register("play-steps", PlayStepViewSet, basename="play-step")
router.register("play-runs", PlayRunViewSet, basename="play-run")
router.register("trigger-rules", TriggerRuleViewSet, basename="trigger-rule")
router.register("jobs", JobViewSet, basename="job")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("teams", TeamViewSet, basename="team")
router.register("team-members", TeamMemberViewSet, basename="team-member")
router.register("team-accounts", TeamAccountViewSet, basename="team-account")
router.register("team-gaps", TeamGapViewSet, basename="team-gap")
router.register("role-requirements", RoleRequirementViewSet, basename="role-requirement")
router.register("staffing", StaffingViewSet, basename="staffing")
router.register("tasks/schedule/run", TaskScheduleRunViewSet, basename="task-schedule-run")
router.register("tasks", TaskViewSet, basename="task")
router.register("touch-limit", TouchLimitViewSet, basename="touch-limit")
router.register("account-plans", AccountPlanViewSet, basename="account-plan")
router.register("review-cadences", ReviewCadenceViewSet, basename="review-cadence")
router.register("account-reviews", AccountReviewViewSet, basename="account-review")
router.register("review-actions", ReviewActionViewSet, basename="review-action")
router.register("review-schedule/run", ReviewScheduleRunViewSet, basename="review-schedule-run")
router.register("review-schedule", ReviewScheduleViewSet, basename="review-schedule")
router.register("hand-offs", HandOffViewSet, basename="hand-off")
router.register("timeline", TimelineViewSet, basename="timeline")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("search", SearchViewSet, basename="search")
router.register("metrics/fit-scores", FitScoreDistributionViewSet, basename="metric-fit-scores")
router.register("metrics/coverage-distribution", CoverageDistributionViewSet, basename="metric-coverage-distribution")
router.register("metrics/pipeline-by-stage", PipelineByStageViewSet, basename="metric-pipeline-by-stage")
router.register("metrics/snapshots", SnapshotViewSet, basename="metric-snapshots")
router.register("metrics/coverage", CoverageViewSet, basename="metric-coverage")
router.register("metrics/coverage-gaps", CoverageGapViewSet, basename="metric-coverage-gaps")
router.register("metrics/data-health", DataHealthViewSet, basename="metric-data-health")
router.register("metrics/settings", MetricsSettingsViewSet, basename="metric-settings")
router.register("metrics/engagement", EngagementMetricViewSet, basename="metric-engagement")
router.register("metrics/activity", ActivityMetricViewSet, basename="metric-activity")
router.register("metrics/marketing", MarketingMetricViewSet, basename="metric-marketing")
router.register("metrics/plays", PlayEffectivenessViewSet, basename="metric-plays")
router.register("metrics/funnel", FunnelViewSet, basename="metric-funnel")
router.register("metrics/pipeline", PipelineViewSet, basename="metric-pipeline")
router.register("metrics/lifecycle", LifecycleViewSet, basename="metric-lifecycle")
router.register("metrics/rollout", RolloutViewSet, basename="metric-rollout")
router.register("metrics/spend", SpendEntryViewSet, basename="spend-entry")
