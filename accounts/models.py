from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django_countries.fields import CountryField

from abs_platform.tenancy.context import current_scope, workspace_today
from abs_platform.tenancy.models import Membership, Role, TenantOwnedModel

from .domains import normalize_domain

DUPLICATE_DOMAIN_MESSAGE = "An account with this domain already exists in this workspace."
# The sort key of "last verified" for contacts never verified: before every verified one.
NEVER_VERIFIED = date.min
VERIFIED_IN_FUTURE = "A verification date cannot be in the future."


def verified_by_today(value: date | None) -> None:
    """A record cannot have been verified after today (in the workspace's time zone): it would count as fresh
    for years. Outside a workspace (an operator in the admin) today is the latest date anywhere on earth."""
    today = workspace_today() if current_scope() else (timezone.now() + timedelta(hours=14)).date()
    if value is not None and value > today:
        raise ValidationError(VERIFIED_IN_FUTURE)


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"
    CHURNED = "churned", "Churned"


class CompanyType(models.TextChoices):
    PRIVATE = "private", "Private company"
    PUBLIC = "public", "Public company"
    NONPROFIT = "nonprofit", "Non-profit"
    GOVERNMENT = "government", "Government"
    OTHER = "other", "Other"


class TechnologyRelation(models.TextChoices):
    COMPETITOR = "competitor", "Competitor"
    COMPLEMENTARY = "complementary", "Complementary"
    OTHER = "other", "Other"


class Technology(TenantOwnedModel):
    """An entry of the workspace's technology catalogue (technographics)."""

    name = models.CharField(max_length=100)
    category = models.CharField(max_length=100, blank=True, help_text="e.g. CRM, data warehouse, marketing automation")
    relation = models.CharField(max_length=15, choices=TechnologyRelation.choices, default=TechnologyRelation.OTHER)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "technologies"
        constraints = [
            models.UniqueConstraint(
                "tenant",
                models.functions.Lower("name"),
                name="technology_name_unique_per_tenant",
                violation_error_message="This technology is already in the catalogue.",
            )
        ]

    def __str__(self):
        return self.name


class Account(TenantOwnedModel):
    """A target account: a named company being pursued or grown."""

    name = models.CharField(max_length=200)
    domain = models.CharField(
        max_length=253, blank=True, help_text="Normalized: lower case, no scheme, no “www.”, e.g. acme.com."
    )
    website = models.URLField(blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="In the workspace currency."
    )
    country = CountryField(blank=True)
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.PROSPECT)
    customer_since = models.DateField(
        null=True, blank=True, editable=False, help_text="When it last became a customer (a comeback starts anew)."
    )
    churned_on = models.DateField(
        null=True, blank=True, editable=False, help_text="When it churned; cleared when it becomes a customer again."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_accounts"
    )
    is_target = models.BooleanField(default=True, help_text="Part of the account-based programme.")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The parent company of a subsidiary, business unit or buying centre.",
    )
    company_type = models.CharField(max_length=12, choices=CompanyType.choices, blank=True)
    growth_rate = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="Year-over-year growth in percent."
    )
    headquarters = models.CharField(max_length=200, blank=True, help_text="City or region of the head office.")
    office_count = models.PositiveIntegerField(null=True, blank=True)
    technologies = models.ManyToManyField(Technology, through="AccountTechnology", blank=True, related_name="accounts")
    fit_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    fit_explanation = models.JSONField(default=list, blank=True, editable=False)
    fit_scored_at = models.DateTimeField(null=True, blank=True, editable=False)
    suggested_tier = models.ForeignKey(
        "icp.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    tier = models.ForeignKey(
        "icp.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts", editable=False
    )
    tier_override_reason = models.CharField(
        max_length=300, blank=True, editable=False, help_text="Why the tier differs from the suggested one."
    )
    last_verified_on = models.DateField(null=True, blank=True, validators=[verified_by_today])
    source = models.CharField(max_length=50, blank=True, help_text="Where the record came from, e.g. import, api.")
    # Persona coverage of the tier's buying committee, stored so that reads select columns: written by personas
    # (``personas.coverage.coverage_store``) on every write that can change it and by the daily coverage check.
    coverage_required = models.PositiveSmallIntegerField(default=0, editable=False)
    coverage_covered = models.PositiveSmallIntegerField(default=0, editable=False)
    coverage_gaps = models.GeneratedField(
        expression=F("coverage_required") - F("coverage_covered"), output_field=models.IntegerField(), db_persist=True
    )
    coverage_percent = models.GeneratedField(
        expression=F("coverage_covered") * 100 / NullIf("coverage_required", Value(0)),
        output_field=models.IntegerField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # Children (subsidiaries, business units) may share their parent's domain.
            models.UniqueConstraint(
                fields=["tenant", "domain"],
                condition=~Q(domain="") & Q(parent__isnull=True),
                name="account_domain_unique_per_tenant",
                violation_error_message=DUPLICATE_DOMAIN_MESSAGE,
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="account_tenant_created"),
            models.Index(fields=["tenant", "name", "id"], name="account_tenant_name"),
            models.Index(fields=["tenant", "updated_at", "id"], name="account_tenant_updated"),
            models.Index(fields=["tenant", "industry", "created_at", "id"], name="account_tenant_industry"),
            models.Index(fields=["tenant", "status", "created_at", "id"], name="account_tenant_status"),
            models.Index(fields=["tenant", "domain"], name="account_tenant_domain"),
            models.Index(fields=["tenant", "fit_score", "id"], name="account_tenant_fit"),
            models.Index(fields=["tenant", "tier", "created_at", "id"], name="account_tenant_tier"),
            models.Index(fields=["tenant", "parent"], name="account_tenant_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            self.domain = normalize_domain(self.domain)
        except ValidationError as error:
            errors["domain"] = error.messages
        if self.parent_id is not None and self._parent_chain_reaches_self():
            errors["parent"] = ["An account cannot be its own parent or ancestor."]
        elif "domain" not in errors and self.domain and self._domain_taken_outside_hierarchy():
            errors["domain"] = [DUPLICATE_DOMAIN_MESSAGE]
        if (
            self.owner_id is not None
            and not Membership.objects.filter(tenant_id=self.tenant_id, user_id=self.owner_id)
            .exclude(role=Role.VIEWER)
            .exists()
        ):
            errors["owner"] = ["The owner must be a member of this workspace who can edit (not a viewer)."]
        if errors:
            raise ValidationError(errors)

    def _root_id(self, account_id, parent_id):
        seen = set()
        while parent_id is not None and parent_id not in seen:
            seen.add(parent_id)
            account_id, parent_id = (
                parent_id,
                (Account.all_tenants.filter(pk=parent_id).values_list("parent_id", flat=True).first()),
            )
        return account_id

    def _domain_taken_outside_hierarchy(self) -> bool:
        """Same normalized domain is a duplicate unless both accounts belong to one hierarchy."""
        others = Account.all_tenants.filter(tenant_id=self.tenant_id, domain=self.domain).exclude(pk=self.pk)
        candidates = list(others.values_list("pk", "parent_id")[:20])
        if not candidates:
            return False
        own_root = self._root_id(self.pk, self.parent_id)
        return any(self._root_id(pk, parent_id) != own_root for pk, parent_id in candidates)

    def _parent_chain_reaches_self(self) -> bool:
        """Walk up the (short) hierarchy from the new parent; meeting this account means a cycle."""
        seen, current_id = set(), self.parent_id
        while current_id is not None and current_id not in seen:
            if current_id == self.pk:
                return True
            seen.add(current_id)
            current_id = Account.all_tenants.filter(pk=current_id).values_list("parent_id", flat=True).first()
        return current_id is not None and self.pk is not None and current_id == self.pk


class AccountStatusChange(TenantOwnedModel):
    """One change of an account's status, on the day it happened: churn and retention of any past period are
    read from these rows (ADR 0035). Written by the accounts services with the change itself."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=10, choices=AccountStatus.choices)
    changed_on = models.DateField()

    class Meta:
        ordering = ["changed_on", "id"]
        indexes = [
            models.Index(fields=["tenant", "account", "changed_on"], name="statuschange_tenant_account"),
            models.Index(fields=["tenant", "status", "changed_on"], name="statuschange_tenant_status"),
        ]

    def __str__(self):
        return f"{self.account} → {self.status} on {self.changed_on}"


class AccountTechnology(TenantOwnedModel):
    """A technology in use at an account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="technology_links")
    technology = models.ForeignKey(Technology, on_delete=models.CASCADE, related_name="account_links")

    class Meta:
        verbose_name = "technology in use"
        verbose_name_plural = "technologies in use"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account", "technology"], name="account_technology_unique")
        ]


class Seniority(models.TextChoices):
    C_LEVEL = "c_level", "C-level"
    VP = "vp", "Vice president"
    DIRECTOR = "director", "Director"
    MANAGER = "manager", "Manager"
    INDIVIDUAL = "individual", "Individual contributor"
    OTHER = "other", "Other"


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    CHAMPION = "champion", "Champion"
    INFLUENCER = "influencer", "Influencer"
    END_USER = "end_user", "End user"
    BLOCKER = "blocker", "Blocker"
    LEGAL_PROCUREMENT = "legal_procurement", "Legal / procurement"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"


class ContactStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    LEFT_COMPANY = "left_company", "Left company"
    BOUNCED = "bounced", "Bounced"
    UNKNOWN = "unknown", "Unknown"


class RelationshipStrength(models.IntegerChoices):
    NONE = 0, "None"
    WEAK = 1, "Weak"
    MEDIUM = 2, "Medium"
    STRONG = 3, "Strong"


class Contact(TenantOwnedModel):
    """A stakeholder at a target account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=100, blank=True)
    seniority = models.CharField(max_length=12, choices=Seniority.choices, blank=True)
    email = models.EmailField(blank=True, help_text="Stored in lower case; unique within the workspace.")
    phone = models.CharField(max_length=40, blank=True)
    linkedin_url = models.URLField(blank=True)
    persona = models.ForeignKey(
        "personas.Persona", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    persona_overridden = models.BooleanField(
        default=False, help_text="Set by hand: automatic persona matching leaves it alone."
    )
    persona_match_reason = models.CharField(max_length=300, blank=True, editable=False)
    buying_role = models.CharField(max_length=20, choices=BuyingRole.choices, blank=True)
    relationship_strength = models.PositiveSmallIntegerField(
        choices=RelationshipStrength.choices, default=RelationshipStrength.NONE
    )
    status = models.CharField(max_length=15, choices=ContactStatus.choices, default=ContactStatus.ACTIVE)
    last_verified_on = models.DateField(null=True, blank=True, validators=[verified_by_today])
    source = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=~Q(email=""),
                name="contact_email_unique_per_tenant",
                violation_error_message="A contact with this e-mail already exists in this workspace.",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="contact_tenant_created"),
            models.Index(fields=["tenant", "account", "id"], name="contact_tenant_account"),
            # The contact list's orderings (cursor pagination walks these indexes).
            models.Index(fields=["tenant", "last_name", "id"], name="contact_tenant_last_name"),
            models.Index(fields=["tenant", "updated_at", "id"], name="contact_tenant_updated"),
            models.Index(fields=["tenant", "persona"], name="contact_tenant_persona"),
            # Committee coverage (personas.selectors): current contacts of given accounts per persona, read
            # from the index alone.
            models.Index(
                fields=["tenant", "account", "persona", "status", "last_verified_on"], name="contact_coverage"
            ),
            # "Last verified" order (selectors.contact_list's verified_sort, the same expression).
            models.Index(
                F("tenant"),
                Coalesce("last_verified_on", Value(NEVER_VERIFIED)),
                F("id"),
                name="contact_tenant_verified",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        self.email = (self.email or "").strip().lower()


class SignalType(models.TextChoices):
    FUNDING = "funding", "Funding"
    LEADERSHIP_HIRE = "leadership_hire", "Leadership hire"
    MERGER_ACQUISITION = "merger_acquisition", "Merger / acquisition"
    PRODUCT_LAUNCH = "product_launch", "Product launch"
    REGULATION = "regulation", "Regulation"
    COMPETITOR_NEWS = "competitor_news", "Competitor news"
    JOB_POSTING = "job_posting", "Job posting"
    EXPANSION = "expansion", "Expansion"
    OTHER = "other", "Other"


class Signal(TenantOwnedModel):
    """A research item or trigger event at an account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="signals")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals")
    signal_type = models.CharField(max_length=20, choices=SignalType.choices)
    occurred_on = models.DateField()
    title = models.CharField(max_length=300)
    source_url = models.URLField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["tenant", "account", "occurred_on"], name="signal_tenant_account")]

    def __str__(self):
        return self.title


class OpportunityKind(models.TextChoices):
    NEW_LOGO = "new_logo", "New logo"
    EXPANSION = "expansion", "Expansion"
    RENEWAL = "renewal", "Renewal"


class OpportunityStage(models.TextChoices):
    PROSPECTING = "prospecting", "Prospecting"
    QUALIFICATION = "qualification", "Qualification"
    DISCOVERY = "discovery", "Discovery"
    PROPOSAL = "proposal", "Proposal"
    NEGOTIATION = "negotiation", "Negotiation"
    CLOSED_WON = "closed_won", "Closed won"
    CLOSED_LOST = "closed_lost", "Closed lost"


CLOSED_STAGES = (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)


class Opportunity(TenantOwnedModel):
    """A deal at an account; amounts are in the workspace currency."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="opportunities")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=OpportunityKind.choices, default=OpportunityKind.NEW_LOGO)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    stage = models.CharField(max_length=15, choices=OpportunityStage.choices, default=OpportunityStage.PROSPECTING)
    opened_on = models.DateField()
    close_date = models.DateField(null=True, blank=True)
    lost_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["tenant", "account", "stage"], name="opportunity_tenant_account"),
            models.Index(fields=["tenant", "stage", "close_date"], name="opportunity_tenant_stage"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """A closed deal has its close date (its sales cycle is measured by it); only a lost deal has a lost
        reason."""
        errors = {}
        if self.stage == OpportunityStage.CLOSED_LOST and not self.lost_reason:
            errors["lost_reason"] = ["Say why the deal was lost."]
        elif self.lost_reason and self.stage != OpportunityStage.CLOSED_LOST:
            errors["lost_reason"] = ["Only a closed-lost deal has a lost reason."]
        if self.stage in CLOSED_STAGES and self.close_date is None:
            errors["close_date"] = ["A closed deal needs its close date."]
        elif self.close_date and self.opened_on and self.close_date < self.opened_on:
            errors["close_date"] = ["The close date cannot be before the open date."]
        if errors:
            raise ValidationError(errors)


class ActivityChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    MEETING = "meeting", "Meeting"
    SOCIAL = "social", "Social"
    EVENT = "event", "Event"
    WEB_VISIT = "web_visit", "Web visit"
    ADVERTISING = "advertising", "Advertising"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    OTHER = "other", "Other"


class ActivityDirection(models.TextChoices):
    OUTBOUND = "outbound", "Outbound touch"
    INBOUND = "inbound", "Inbound response"


class ActivityOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    CONNECTED = "connected", "Connected"
    REPLIED = "replied", "Replied"
    MEETING_BOOKED = "meeting_booked", "Meeting booked"
    BOUNCED = "bounced", "Bounced"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    NOT_INTERESTED = "not_interested", "Not interested"


# Clocks of integrations and browsers drift: an activity may be stamped this far ahead of our clock.
ACTIVITY_FUTURE_TOLERANCE = timedelta(minutes=5)
ACTIVITY_IN_FUTURE = "An activity cannot be in the future."
ACTIVITY_CONTACT_ELSEWHERE = "This contact does not work at the activity's account."
# Campaign figures (impressions, clicks, conversions) are recorded on these channels only.
CAMPAIGN_CHANNELS = (ActivityChannel.ADVERTISING, ActivityChannel.WEB_VISIT, ActivityChannel.EMAIL)
CAMPAIGN_FIELDS = ("impressions", "clicks", "conversions")
# What the metrics count of a period's activities (metrics/selectors): carried by the period index.
ACTIVITY_METRIC_COLUMNS = ["account", "contact", "owner", "channel", "direction", "outcome", *CAMPAIGN_FIELDS]


def check_activity_time(occurred_at) -> None:
    """Refuse a time later than now (plus the clock-drift tolerance)."""
    if occurred_at is not None and occurred_at > timezone.now() + ACTIVITY_FUTURE_TOLERANCE:
        raise ValidationError(ACTIVITY_IN_FUTURE)


class Activity(TenantOwnedModel):
    """One entry of an account's engagement log: a touch by our team (outbound) or a response from the
    account (inbound), on one channel, optionally with one of the account's contacts.

    A completed task points here (``Task.activity``, reverse ``task``); engagement counts every activity
    whatever produced it. ``idempotency_key`` is an integration's key for one post: a retry with the same key
    answers the activity it logged the first time (ADR 0026).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activities")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    channel = models.CharField(max_length=12, choices=ActivityChannel.choices)
    direction = models.CharField(
        max_length=8,
        choices=ActivityDirection.choices,
        default=ActivityDirection.OUTBOUND,
        help_text="Outbound: a touch by our team. Inbound: a response or visit from the account.",
    )
    occurred_at = models.DateTimeField()
    subject = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_activities",
        help_text="The team member who made or received it.",
    )
    outcome = models.CharField(max_length=16, choices=ActivityOutcome.choices, blank=True)
    idempotency_key = models.CharField(
        max_length=255, blank=True, help_text="An integration's key for one post; unique in the workspace."
    )
    impressions = models.PositiveIntegerField(
        null=True, blank=True, help_text="Times the ad, page or e-mail was shown (advertising, web visit, e-mail)."
    )
    clicks = models.PositiveIntegerField(
        null=True, blank=True, help_text="Clicks on it; at most the impressions when both are given."
    )
    conversions = models.PositiveIntegerField(
        null=True, blank=True, help_text="Conversions it brought (a form filled, a demo requested…)."
    )

    # Not a field: a bulk create that checked its owners in one query sets it, so ``clean()`` does not ask again.
    owner_is_member = False

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="activity_idempotency_key_unique_per_tenant",
                violation_error_message="An activity with this idempotency key already exists.",
            )
        ]
        # Both carry the columns the metrics count (ADR 0042), so a period's activities are read from the index
        # alone (an index-only scan) instead of the table.
        indexes = [
            # An account's timeline and its engagement windows (range scans on occurred_at per account); the
            # metrics' per-account EXISTS probes (funnel, engagement).
            models.Index(
                fields=["tenant", "account", "occurred_at"],
                include=["direction", "outcome", "contact", "clicks"],
                name="activity_tenant_account",
            ),
            # The activity list, newest first (cursor pagination walks it); the metrics' period totals.
            models.Index(
                fields=["tenant", "occurred_at", "id"],
                include=ACTIVITY_METRIC_COLUMNS,
                name="activity_tenant_occurred",
            ),
        ]

    def __str__(self):
        return self.subject

    def clean(self):
        errors = {}
        try:
            check_activity_time(self.occurred_at)
        except ValidationError as error:
            errors["occurred_at"] = error.messages
        if self.contact_id is not None and self.contact.account_id != self.account_id:
            errors["contact"] = [ACTIVITY_CONTACT_ELSEWHERE]
        if (
            self.owner_id is not None
            and not self.owner_is_member
            and not Membership.objects.filter(tenant_id=self.tenant_id, user_id=self.owner_id).exists()
        ):
            errors["owner"] = ["The owner must be a member of this workspace."]
        errors.update(self._campaign_errors())
        if errors:
            raise ValidationError(errors)

    def _campaign_errors(self) -> dict:
        errors = {}
        if self.channel not in CAMPAIGN_CHANNELS:
            for name in CAMPAIGN_FIELDS:
                if getattr(self, name) is not None:
                    errors[name] = [
                        f"{name.capitalize()} are recorded for advertising, web-visit and e-mail activities only."
                    ]
        elif self.clicks is not None and self.impressions is not None and self.clicks > self.impressions:
            errors["clicks"] = [f"Clicks ({self.clicks}) cannot exceed impressions ({self.impressions})."]
        return errors


class SavedViewList(models.TextChoices):
    """The lists whose filters can be saved: each is a page of the dashboard."""

    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"


class SavedView(TenantOwnedModel):
    """A named set of list filters (the query string of the Accounts or Contacts page), private or shared."""

    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    list = models.CharField(
        max_length=10, choices=SavedViewList.choices, default=SavedViewList.ACCOUNTS, help_text="The filtered list."
    )
    query = models.CharField(max_length=2000, blank=True)
    is_shared = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user", "list", "name"], name="saved_view_unique_name_per_list")
        ]

    def __str__(self):
        return self.name


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"
    OPPORTUNITIES = "opportunities", "Deals (opportunities)"
    ACTIVITIES = "activities", "Activities"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded: map the columns"
    VALIDATING = "validating", "Dry run in progress"
    VALIDATED = "validated", "Dry run done"
    COMMITTING = "committing", "Import in progress"
    COMMITTED = "committed", "Imported"
    FAILED = "failed", "Failed"


class ImportBatch(TenantOwnedModel):
    """An uploaded CSV file between its dry run and its commit: the decoded text, the column mapping and the report.

    The text is kept in the row (at most ``IMPORT_MAX_BYTES``) so the web process and the workers need no shared
    file storage; its one history record is the audit trail of what was imported. Status and report changes are
    bookkeeping written with ``update()`` (see accounts/imports.py), like job progress.
    """

    kind = models.CharField(max_length=13, choices=ImportKind.choices)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    file_name = models.CharField(max_length=255, blank=True)
    content = models.TextField(editable=False)
    delimiter = models.CharField(max_length=1, default=",", editable=False)
    headers = models.JSONField(default=list, blank=True, editable=False)
    row_count = models.PositiveIntegerField(default=0, editable=False)
    mapping = models.JSONField(default=dict, blank=True)
    new_accounts_target = models.BooleanField(
        default=True, help_text="Whether accounts the file creates become target accounts (a Target column wins)."
    )
    report = models.JSONField(default=dict, blank=True, editable=False)
    error = models.TextField(blank=True, editable=False)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    committed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"
        indexes = [models.Index(fields=["tenant", "created_at", "id"], name="importbatch_tenant_created")]

    def __str__(self):
        return f"{self.get_kind_display()} import #{self.pk} ({self.status})"
