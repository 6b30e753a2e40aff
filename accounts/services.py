"""Writes to target accounts. Each runs in a transaction and validates like the admin does.

Each write sends its event (``accounts.events``) inside its transaction; the apps above keep their derived data
current from there: ``icp`` rescores the account (or queues the bulk recomputation for many) and re-suggests
tiers, ``personas`` matches contacts to personas before they are saved.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from abs_platform.tenancy.context import acting_user, get_current_tenant, get_current_user, workspace_today
from abs_platform.tenancy.models import Membership

from . import events, selectors
from .models import (
    DUPLICATE_DOMAIN_MESSAGE,
    VERIFIED_IN_FUTURE,
    Account,
    AccountStatus,
    AccountStatusChange,
    AccountTechnology,
    Activity,
    ActivityDirection,
    Contact,
    ContactStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStage,
    RelationshipStrength,
    SavedView,
    SavedViewList,
    Signal,
    Technology,
    TechnologyRelation,
)


class ItemErrors(Exception):
    """Items of a bulk create that their model refuses; nothing was written. ``errors``: the item's index → its
    ``ValidationError``."""

    def __init__(self, errors: dict[int, ValidationError]):
        super().__init__(f"{len(errors)} item(s) refused")
        self.errors = errors


KEEP: Any = object()  # the default of an update's field arguments: not given, the field keeps its value


def given(**fields) -> dict:
    """The field arguments an update service was given (those not ``KEEP``)."""
    return {name: value for name, value in fields.items() if value is not KEEP}


def _save_validated(account: Account) -> Account:
    # The domain constraint is checked hierarchy-aware in Account.clean().
    account.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as error:
        if "account_domain_unique_per_tenant" in str(error) or "UNIQUE constraint failed" in str(error):
            raise ValidationError({"domain": [DUPLICATE_DOMAIN_MESSAGE]}) from None
        raise
    return account


def _changed_fields(instance, fields: dict) -> set[str]:
    return {name for name, value in fields.items() if getattr(instance, name) != value}


# --- Status dates (ADR 0035) ------------------------------------------------------------------------

STATUS_DATE_FIELDS = ["customer_since", "churned_on"]


def apply_status_dates(account: Account, on: date) -> None:
    """Date the status ``account`` now has as of ``on``: a customer is one since ``on`` (after churning too: a
    comeback starts a new customer life) and has not churned; a churned account churned ``on`` and keeps when it
    became a customer; a prospect has neither."""
    if account.status == AccountStatus.CUSTOMER:
        account.customer_since, account.churned_on = on, None
    elif account.status == AccountStatus.CHURNED:
        account.churned_on = on
    else:
        account.customer_since = account.churned_on = None


def log_status_changes(accounts: list[Account]) -> None:
    """Record each (saved) account's new status in the status-change log, on the day its dates say (today for a
    prospect), with the history of the rows like every write."""
    if not accounts:
        return
    today, user = workspace_today(), acting_user()
    day = {AccountStatus.CUSTOMER: "customer_since", AccountStatus.CHURNED: "churned_on"}
    rows = [
        AccountStatusChange(
            tenant_id=account.tenant_id,
            account_id=account.pk,
            status=account.status,
            changed_on=getattr(account, day[account.status]) if account.status in day else today,
            created_by=user,
            updated_by=user,
        )
        for account in accounts
    ]
    bulk_create_with_history(rows, AccountStatusChange, default_user=user)


def _won_on(opportunity: Opportunity) -> date:
    """The day a won deal made its account a customer: its close date, never later than today."""
    today = workspace_today()
    return min(opportunity.close_date or today, today)


@transaction.atomic
def account_create(
    *,
    name: str,
    domain: str = "",
    website: str = "",
    industry: str = "",
    employee_count: int | None = None,
    annual_revenue: Decimal | None = None,
    country: str = "",
    status: str = AccountStatus.PROSPECT,
    owner: User | None = None,
    is_target: bool = True,
    parent: Account | None = None,
) -> Account:
    account = Account(
        tenant=get_current_tenant(),
        name=name,
        domain=domain,
        website=website,
        industry=industry,
        employee_count=employee_count,
        annual_revenue=annual_revenue,
        country=country,
        status=status,
        owner=owner,
        is_target=is_target,
        parent=parent,
    )
    apply_status_dates(account, workspace_today())
    account = _save_validated(account)
    if account.status != AccountStatus.PROSPECT:
        log_status_changes([account])
    events.account_changed.send(Account, account=account, created=True, changed=set())
    return account


@transaction.atomic
def account_update(
    *,
    account: Account,
    name: str = KEEP,
    domain: str = KEEP,
    website: str = KEEP,
    industry: str = KEEP,
    employee_count: int | None = KEEP,
    annual_revenue: Decimal | None = KEEP,
    country: str = KEEP,
    status: str = KEEP,
    owner: User | None = KEEP,
    is_target: bool = KEEP,
    parent: Account | None = KEEP,
) -> Account:
    """Change the given fields."""
    fields = given(
        name=name,
        domain=domain,
        website=website,
        industry=industry,
        employee_count=employee_count,
        annual_revenue=annual_revenue,
        country=country,
        status=status,
        owner=owner,
        is_target=is_target,
        parent=parent,
    )
    changed = _changed_fields(account, fields)
    for name, value in fields.items():
        setattr(account, name, value)
    if "status" in changed:
        apply_status_dates(account, workspace_today())
    account = _save_validated(account)
    if "status" in changed:
        log_status_changes([account])
    events.account_changed.send(Account, account=account, created=False, changed=changed)
    return account


@transaction.atomic
def account_delete(*, account: Account) -> None:
    account.delete()
    events.account_deleted.send(Account, account=account)


# --- Contacts, signals, opportunities, technologies -------------------------------------------------

CONTACT_EMAIL_TAKEN = "A contact with this e-mail already exists in this workspace."
TECHNOLOGY_NAME_TAKEN = "This technology is already in the catalogue."


def contact_email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another contact of this workspace has ``email`` (already normalized)."""
    return bool(email) and Contact.objects.filter(email=email).exclude(pk=exclude_pk).exists()


def _save_contact(contact: Contact, persona: Model | None) -> Contact:
    contact.email = (contact.email or "").strip().lower()
    if persona is not KEEP:
        # Naming a persona pins it; clearing it hands the contact back to automatic matching.
        contact.persona = persona
        contact.persona_overridden = persona is not None
    events.contacts_saving.send(Contact, contacts=[contact])
    if contact_email_taken(contact.email, exclude_pk=contact.pk):
        raise ValidationError({"email": [CONTACT_EMAIL_TAKEN]})
    contact.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as error:
        if "contact_email_unique_per_tenant" in str(error):
            raise ValidationError({"email": [CONTACT_EMAIL_TAKEN]}) from None
        raise
    return contact


@transaction.atomic
def contact_create(
    *,
    account: Account,
    first_name: str,
    last_name: str = "",
    title: str = "",
    department: str = "",
    seniority: str = "",
    email: str = "",
    phone: str = "",
    linkedin_url: str = "",
    persona: Model | None = KEEP,
    buying_role: str = "",
    relationship_strength: int = RelationshipStrength.NONE,
    status: str = ContactStatus.ACTIVE,
    last_verified_on: date | None = None,
    source: str = "",
) -> Contact:
    """Create a contact; a ``persona`` given pins it, else it is matched (``events.contacts_saving``)."""
    contact = Contact(
        tenant=get_current_tenant(),
        account=account,
        first_name=first_name,
        last_name=last_name,
        title=title,
        department=department,
        seniority=seniority,
        email=email,
        phone=phone,
        linkedin_url=linkedin_url,
        buying_role=buying_role,
        relationship_strength=relationship_strength,
        status=status,
        last_verified_on=last_verified_on,
        source=source,
    )
    return _save_contact(contact, persona)


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    account: Account = KEEP,
    first_name: str = KEEP,
    last_name: str = KEEP,
    title: str = KEEP,
    department: str = KEEP,
    seniority: str = KEEP,
    email: str = KEEP,
    phone: str = KEEP,
    linkedin_url: str = KEEP,
    persona: Model | None = KEEP,
    buying_role: str = KEEP,
    relationship_strength: int = KEEP,
    status: str = KEEP,
    last_verified_on: date | None = KEEP,
    source: str = KEEP,
) -> Contact:
    """Change the given fields; naming a persona pins it, None hands the contact back to matching."""
    fields = given(
        account=account,
        first_name=first_name,
        last_name=last_name,
        title=title,
        department=department,
        seniority=seniority,
        email=email,
        phone=phone,
        linkedin_url=linkedin_url,
        buying_role=buying_role,
        relationship_strength=relationship_strength,
        status=status,
        last_verified_on=last_verified_on,
        source=source,
    )
    for name, value in fields.items():
        setattr(contact, name, value)
    return _save_contact(contact, persona)


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    contact.delete()


def _check_signal_contact(signal: Signal) -> None:
    if signal.contact_id is not None and signal.contact.account_id != signal.account_id:
        raise ValidationError({"contact": ["This contact does not work at the signal's account."]})


@transaction.atomic
def signal_create(
    *,
    account: Account,
    signal_type: str,
    occurred_on: date,
    title: str,
    contact: Contact | None = None,
    source_url: str = "",
    notes: str = "",
) -> Signal:
    signal = Signal(
        tenant=get_current_tenant(),
        account=account,
        contact=contact,
        signal_type=signal_type,
        occurred_on=occurred_on,
        title=title,
        source_url=source_url,
        notes=notes,
    )
    _check_signal_contact(signal)
    signal.full_clean()
    signal.save()
    events.signal_changed.send(Signal, instance=signal, account_ids={signal.account_id})
    return signal


@transaction.atomic
def signal_update(
    *,
    signal: Signal,
    account: Account = KEEP,
    contact: Contact | None = KEEP,
    signal_type: str = KEEP,
    occurred_on: date = KEEP,
    title: str = KEEP,
    source_url: str = KEEP,
    notes: str = KEEP,
) -> Signal:
    fields = given(
        account=account,
        contact=contact,
        signal_type=signal_type,
        occurred_on=occurred_on,
        title=title,
        source_url=source_url,
        notes=notes,
    )
    previous_account_id = signal.account_id
    for name, value in fields.items():
        setattr(signal, name, value)
    _check_signal_contact(signal)
    signal.full_clean()
    signal.save()
    events.signal_changed.send(Signal, instance=signal, account_ids={previous_account_id, signal.account_id})
    return signal


@transaction.atomic
def signal_delete(*, signal: Signal) -> None:
    account_id = signal.account_id
    signal.delete()
    events.signal_changed.send(Signal, instance=signal, account_ids={account_id})


def _touch(account: Account) -> None:
    account.updated_at = timezone.now()
    user = get_current_user()
    if user is not None and user.is_authenticated:
        account.updated_by = user


def _won_makes_a_customer(opportunity: Opportunity, previous_stage: str | None) -> None:
    """A deal closing won makes its account a customer (from prospect or churned), announced as an account
    change (the existing-customer criterion reads the status). Nothing is undone when a deal reopens."""
    if opportunity.stage != OpportunityStage.CLOSED_WON or previous_stage == OpportunityStage.CLOSED_WON:
        return
    account = Account.objects.get(pk=opportunity.account_id)
    if account.status == AccountStatus.CUSTOMER:
        return
    account.status = AccountStatus.CUSTOMER
    apply_status_dates(account, _won_on(opportunity))
    _touch(account)
    bulk_update_with_history(
        [account],
        Account,
        ["status", *STATUS_DATE_FIELDS, "updated_at", "updated_by"],
        default_change_reason=f"Deal “{opportunity.name}” closed won",
    )
    log_status_changes([account])
    events.account_changed.send(Account, account=account, created=False, changed={"status"})


@transaction.atomic
def opportunity_create(
    *,
    account: Account,
    name: str,
    opened_on: date,
    kind: str = OpportunityKind.NEW_LOGO,
    amount: Decimal = Decimal(0),
    stage: str = OpportunityStage.PROSPECTING,
    close_date: date | None = None,
    lost_reason: str = "",
) -> Opportunity:
    opportunity = Opportunity(
        tenant=get_current_tenant(),
        account=account,
        name=name,
        kind=kind,
        amount=amount,
        stage=stage,
        opened_on=opened_on,
        close_date=close_date,
        lost_reason=lost_reason,
    )
    opportunity.full_clean()
    opportunity.save()
    _won_makes_a_customer(opportunity, None)
    return opportunity


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    account: Account = KEEP,
    name: str = KEEP,
    kind: str = KEEP,
    amount: Decimal = KEEP,
    stage: str = KEEP,
    opened_on: date = KEEP,
    close_date: date | None = KEEP,
    lost_reason: str = KEEP,
) -> Opportunity:
    fields = given(
        account=account,
        name=name,
        kind=kind,
        amount=amount,
        stage=stage,
        opened_on=opened_on,
        close_date=close_date,
        lost_reason=lost_reason,
    )
    previous_stage = opportunity.stage
    for name, value in fields.items():
        setattr(opportunity, name, value)
    opportunity.full_clean()
    opportunity.save()
    _won_makes_a_customer(opportunity, previous_stage)
    return opportunity


def _new_rows(model, items: list[dict]) -> list:
    """Unsaved rows of the current tenant, stamped with the acting user, from validated items."""
    tenant, user = get_current_tenant(), get_current_user()
    user = user if getattr(user, "is_authenticated", False) else None
    return [model(tenant=tenant, created_by=user, updated_by=user, **item) for item in items]


def _validate_rows(rows: list) -> None:
    """Each row's model validation (``clean()`` and the fields' own), all rows before raising ``ItemErrors``.
    References are not looked up again: the serializer found them in this workspace, a query per row."""
    errors = {}
    for index, row in enumerate(rows):
        try:
            row.full_clean(exclude=[field.name for field in row._meta.concrete_fields if field.is_relation])
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise ItemErrors(errors)


@transaction.atomic
def opportunities_create(*, items: list[dict]) -> list[Opportunity]:
    """Create many deals at once, all or none (``ItemErrors``), in a fixed number of queries: validated like
    ``opportunity_create``, written with their history; deals created closed won make their accounts customers,
    announced once for all of them."""
    opportunities = _new_rows(Opportunity, items)
    _validate_rows(opportunities)
    bulk_create_with_history(opportunities, Opportunity, default_user=opportunities[0].created_by)
    won_deals_make_customers([o for o in opportunities if o.stage == OpportunityStage.CLOSED_WON])
    return opportunities


def won_deals_make_customers(won: list[Opportunity]) -> None:
    """``_won_makes_a_customer`` for many new deals (a bulk create, an import): one read, one write with
    history (the reason names each account's first won deal), one ``accounts_changed`` event."""
    deal_of = {}
    for opportunity in won:
        deal_of.setdefault(opportunity.account_id, opportunity)
    accounts = list(Account.objects.filter(pk__in=deal_of).exclude(status=AccountStatus.CUSTOMER).order_by("id"))
    if not accounts:
        return
    for account in accounts:
        account.status = AccountStatus.CUSTOMER
        apply_status_dates(account, _won_on(deal_of[account.pk]))
        account._change_reason = f"Deal “{deal_of[account.pk].name}” closed won"
        _touch(account)
    bulk_update_with_history(accounts, Account, ["status", *STATUS_DATE_FIELDS, "updated_at", "updated_by"])
    log_status_changes(accounts)
    events.accounts_changed.send(Account, account_ids=[account.pk for account in accounts], fields={"status"})


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity) -> None:
    opportunity.delete()


@transaction.atomic
def activity_create(
    *,
    account: Account,
    channel: str,
    occurred_at: datetime,
    subject: str,
    direction: str = ActivityDirection.OUTBOUND,
    contact: Contact | None = None,
    notes: str = "",
    owner: User | None = None,
    outcome: str = "",
    idempotency_key: str = "",
    impressions: int | None = None,
    clicks: int | None = None,
    conversions: int | None = None,
) -> Activity:
    """Log one touch or response; ``Activity.clean`` checks the time, the contact's account, the owner and the
    campaign figures."""
    activity = Activity(
        tenant=get_current_tenant(),
        account=account,
        contact=contact,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        subject=subject,
        notes=notes,
        owner=owner,
        outcome=outcome,
        idempotency_key=idempotency_key,
        impressions=impressions,
        clicks=clicks,
        conversions=conversions,
    )
    activity.full_clean()
    activity.save()
    return activity


class IdempotencyKeyReused(Exception):
    """An integration's retry carried a key already used for an activity with other values."""

    def __init__(self, key: str, activity: Activity):
        super().__init__(key)
        self.key, self.activity = key, activity


def activity_replay(idempotency_key: str, submitted: dict[str, Any]) -> Activity | None:
    """The activity logged before under ``idempotency_key``, when there is one and the ``submitted`` values
    match it (a retry); ``IdempotencyKeyReused`` when they differ; None for a new key (ADR 0026)."""
    activity = Activity.objects.filter(idempotency_key=idempotency_key).first()
    if activity is None:
        return None
    if _differs(activity, submitted):
        raise IdempotencyKeyReused(idempotency_key, activity)
    return activity


def _differs(activity: Activity, submitted: dict[str, Any]) -> bool:
    return any(getattr(activity, name) != value for name, value in submitted.items() if name != "idempotency_key")


def activity_create_once(*, idempotency_key: str, submitted: dict[str, Any], **fields) -> tuple[Activity, bool]:
    """``activity_create`` keyed by ``idempotency_key``: (the activity, whether it was created now). A retry
    answers the first activity and logs nothing; a second request racing the first waits for it on the unique
    constraint and then answers its activity."""
    activity = activity_replay(idempotency_key, submitted)
    if activity is not None:
        return activity, False
    try:
        return activity_create(idempotency_key=idempotency_key, **fields), True
    except IntegrityError:
        activity = activity_replay(idempotency_key, submitted)
        if activity is None:
            raise
        return activity, False


@transaction.atomic
def activities_create(*, items: list[dict], submitted: list[dict] | None = None) -> list[Activity]:
    """Log many activities at once, all or none (``ItemErrors``), validated like ``activity_create`` (owners are
    checked as members in one query), written with their history in a fixed number of queries.

    An item whose ``idempotency_key`` was logged before is a retry: it answers that activity, logs nothing, when
    its ``submitted`` values (by default the whole item) match it, and is refused when they differ, as
    ``activity_create_once`` does; a key twice in one list is refused at its second item."""
    submitted = submitted if submitted is not None else items
    errors, index_of_key = {}, {}
    for index, item in enumerate(items):
        key = item.get("idempotency_key")
        if key and key in index_of_key:
            errors[index] = ValidationError({"idempotency_key": f"Item {index_of_key[key]} of this list has this key."})
        elif key:
            index_of_key[key] = index
    replayed = {}
    for activity in Activity.objects.filter(idempotency_key__in=index_of_key):
        index = index_of_key[activity.idempotency_key]
        if _differs(activity, submitted[index]):
            errors[index] = ValidationError(
                {
                    "idempotency_key": f"The key “{activity.idempotency_key}” was used for activity {activity.pk} "
                    "with other values; send a new key for a new activity."
                }
            )
        else:
            replayed[index] = activity
    if errors:
        raise ItemErrors(errors)
    fresh = [index for index in range(len(items)) if index not in replayed]
    created = iter(_activities_insert([items[index] for index in fresh], indexes=fresh))
    return [replayed[index] if index in replayed else next(created) for index in range(len(items))]


def _activities_insert(items: list[dict], *, indexes: list[int]) -> list[Activity]:
    """Insert ``items``; a refused one is reported under its index in the caller's list (``indexes``)."""
    if not items:
        return []
    activities = _new_rows(Activity, items)
    owner_ids = {activity.owner_id for activity in activities if activity.owner_id}
    members = set(
        Membership.objects.filter(tenant=get_current_tenant(), user_id__in=owner_ids).values_list("user_id", flat=True)
    )
    for activity in activities:
        activity.owner_is_member = activity.owner_id in members
    try:
        _validate_rows(activities)
    except ItemErrors as error:
        raise ItemErrors({indexes[index]: refused for index, refused in error.errors.items()}) from None
    bulk_create_with_history(activities, Activity, default_user=activities[0].created_by)
    return activities


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    account: Account = KEEP,
    contact: Contact | None = KEEP,
    channel: str = KEEP,
    direction: str = KEEP,
    occurred_at: datetime = KEEP,
    subject: str = KEEP,
    notes: str = KEEP,
    owner: User | None = KEEP,
    outcome: str = KEEP,
    impressions: int | None = KEEP,
    clicks: int | None = KEEP,
    conversions: int | None = KEEP,
) -> Activity:
    fields = given(
        account=account,
        contact=contact,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        subject=subject,
        notes=notes,
        owner=owner,
        outcome=outcome,
        impressions=impressions,
        clicks=clicks,
        conversions=conversions,
    )
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    activity.delete()


def technology_name_taken(name: str, *, exclude_pk: int | None = None) -> bool:
    return Technology.objects.filter(name__iexact=name.strip()).exclude(pk=exclude_pk).exists()


def _save_technology(technology: Technology) -> Technology:
    technology.name = technology.name.strip()
    if technology_name_taken(technology.name, exclude_pk=technology.pk):
        raise ValidationError({"name": [TECHNOLOGY_NAME_TAKEN]})
    technology.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            technology.save()
    except IntegrityError as error:
        if "technology_name_unique_per_tenant" in str(error):
            raise ValidationError({"name": [TECHNOLOGY_NAME_TAKEN]}) from None
        raise
    return technology


@transaction.atomic
def technology_create(*, name: str, category: str = "", relation: str = TechnologyRelation.OTHER) -> Technology:
    return _save_technology(Technology(tenant=get_current_tenant(), name=name, category=category, relation=relation))


@transaction.atomic
def technology_update(
    *, technology: Technology, name: str = KEEP, category: str = KEEP, relation: str = KEEP
) -> Technology:
    fields = given(name=name, category=category, relation=relation)
    for name, value in fields.items():
        setattr(technology, name, value)
    return _save_technology(technology)


@transaction.atomic
def technology_delete(*, technology: Technology) -> None:
    """Removing a catalogue entry removes it from every account using it."""
    in_use = technology.account_links.exists()
    technology.delete()
    events.technology_deleted.send(Technology, technology=technology, in_use=in_use)


@transaction.atomic
def account_set_technologies(*, account: Account, technologies: list[Technology]) -> list[Technology]:
    """Make ``technologies`` exactly the account's technologies in use (history kept per link)."""
    wanted = {technology.pk: technology for technology in technologies}
    links = list(AccountTechnology.objects.filter(account=account))
    for link in links:
        if link.technology_id not in wanted:
            link.delete()
    present = {link.technology_id for link in links}
    for technology_id, technology in wanted.items():
        if technology_id not in present:
            AccountTechnology(account=account, technology=technology).save()
    if present != set(wanted):
        events.account_technologies_changed.send(AccountTechnology, account_ids={account.pk})
    return sorted(wanted.values(), key=lambda technology: (technology.name.casefold(), technology.pk))


@transaction.atomic
def account_technology_add(*, account: Account, technology: Technology) -> AccountTechnology:
    link = AccountTechnology(account=account, technology=technology)
    link.full_clean(validate_constraints=False)
    link.save()
    events.account_technologies_changed.send(AccountTechnology, account_ids={link.account_id})
    return link


@transaction.atomic
def account_technology_update(
    *, link: AccountTechnology, account: Account = KEEP, technology: Technology = KEEP
) -> AccountTechnology:
    fields = given(account=account, technology=technology)
    previous_account_id = link.account_id
    for name, value in fields.items():
        setattr(link, name, value)
    link.full_clean(validate_constraints=False)
    link.save()
    events.account_technologies_changed.send(AccountTechnology, account_ids={previous_account_id, link.account_id})
    return link


@transaction.atomic
def account_technology_remove(*, link: AccountTechnology) -> None:
    account_id = link.account_id
    link.delete()
    events.account_technologies_changed.send(AccountTechnology, account_ids={account_id})


@transaction.atomic
def accounts_bulk_change(
    *, accounts: list[Account], action: str, owner: User | None = None, tier: Model | None = None, reason: str = ""
) -> int:
    """One change to many accounts, recorded in their history; all or nothing. Returns how many changed."""
    if action == "set_tier":
        for account in accounts:
            account_override_tier(account=account, tier=tier, reason=reason)
        return len(accounts)
    values = {
        "mark_target": {"is_target": True},
        "unmark_target": {"is_target": False},
        "assign_owner": {"owner": owner},
    }[action]
    if owner is not None and not Membership.objects.filter(tenant=get_current_tenant(), user=owner).exists():
        raise ValidationError({"owner": ["The owner must be a member of this workspace."]})
    scope_user = get_current_user()
    now = timezone.now()
    for account in accounts:
        for field, value in values.items():
            setattr(account, field, value)
        account.updated_at = now
        if scope_user is not None and scope_user.is_authenticated:
            account.updated_by = scope_user
    bulk_update_with_history(accounts, Account, [*values, "updated_at", "updated_by"], default_user=scope_user)
    events.accounts_changed.send(Account, account_ids=[account.pk for account in accounts], fields=set(values))
    return len(accounts)


@transaction.atomic
def accounts_rename_industry(*, industries: list[str], to: str) -> int:
    """Rename an industry value, or merge several into one: every account of this workspace with one of
    ``industries`` gets ``to``, recorded in its history with the reason, all or nothing; icp rescores them
    (``accounts_changed``). Returns how many accounts changed."""
    to = to.strip()
    if not to:
        raise ValidationError({"to": ["Name the industry to rename to."]})
    if len(to) > Account._meta.get_field("industry").max_length:
        raise ValidationError({"to": ["Keep the industry under 100 characters."]})
    accounts = list(Account.objects.filter(industry__in=industries).exclude(industry=to).select_for_update())
    for account in accounts:
        account.industry = to
        _touch(account)
    reason = f"Industry {', '.join(f'“{name}”' for name in sorted(set(industries) - {to}))} renamed to “{to}”."
    bulk_update_with_history(
        accounts,
        Account,
        ["industry", "updated_at", "updated_by"],
        default_user=get_current_user(),
        default_change_reason=reason,
    )
    if accounts:
        events.accounts_changed.send(Account, account_ids=[account.pk for account in accounts], fields={"industry"})
    selectors.forget_account_industries()
    return len(accounts)


@transaction.atomic
def account_override_tier(*, account: Account, tier: Model, reason: str) -> Account:
    """Put ``account`` in ``tier`` by hand; the reason is required and kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why this account belongs in another tier than suggested."]})
    if len(reason) > 300:
        raise ValidationError({"reason": ["Keep the reason under 300 characters."]})
    if tier.tenant_id != account.tenant_id:
        raise ValidationError({"tier": ["No tier with this id in this workspace."]})
    account.tier = tier
    account.tier_override_reason = reason
    _touch(account)
    bulk_update_with_history([account], Account, ["tier", "tier_override_reason", "updated_at", "updated_by"])
    events.accounts_changed.send(Account, account_ids=[account.pk], fields={"tier", "tier_override_reason"})
    return account


@transaction.atomic
def account_clear_tier_override(*, account: Account) -> Account:
    """Back to the suggested tier."""
    account.tier_id = account.suggested_tier_id
    account.tier_override_reason = ""
    _touch(account)
    bulk_update_with_history([account], Account, ["tier", "tier_override_reason", "updated_at", "updated_by"])
    events.accounts_changed.send(Account, account_ids=[account.pk], fields={"tier", "tier_override_reason"})
    return account


@transaction.atomic
def contacts_bulk_change(
    *,
    contacts: list[Contact],
    action: str,
    status: str = "",
    persona: Model | None = None,
    verified_on: date | None = None,
) -> int:
    """One change to many contacts, recorded in their history; all or nothing. Returns how many changed.

    ``mark_verified`` sets ``last_verified_on`` (default: today); ``set_status`` the status;
    ``set_persona`` pins ``persona`` on every contact, or with None hands them back to automatic matching.
    """
    tenant, today = get_current_tenant(), workspace_today()
    if action == "mark_verified":
        verified_on = verified_on or today
        if verified_on > today:
            raise ValidationError({"verified_on": [VERIFIED_IN_FUTURE]})
        fields = ["last_verified_on"]
    elif action == "set_status":
        if status not in ContactStatus.values:
            raise ValidationError({"status": ["Choose the status to set."]})
        fields = ["status"]
    elif action == "set_persona":
        if persona is not None and persona.tenant_id != tenant.pk:
            raise ValidationError({"persona": [f"No persona with id {persona.pk} in this workspace."]})
        fields = ["persona", "persona_overridden", "persona_match_reason"]
    else:
        raise ValidationError({"action": [f"Unknown bulk action “{action}”."]})
    scope_user = get_current_user()
    now = timezone.now()
    for contact in contacts:
        if action == "mark_verified":
            contact.last_verified_on = verified_on
        elif action == "set_status":
            contact.status = status
        elif persona is not None:
            contact.persona, contact.persona_overridden = persona, True
        else:
            contact.persona_overridden = False
        contact.updated_at = now
        if scope_user is not None and scope_user.is_authenticated:
            contact.updated_by = scope_user
    if action == "set_persona":
        events.contacts_saving.send(Contact, contacts=contacts)
    bulk_update_with_history(contacts, Contact, [*fields, "updated_at", "updated_by"], default_user=scope_user)
    return len(contacts)


def saved_view_create(
    *, user: User, name: str, list: str = SavedViewList.ACCOUNTS, query: str = "", is_shared: bool = False
) -> SavedView:
    view = SavedView(tenant=get_current_tenant(), user=user, name=name, list=list, query=query, is_shared=is_shared)
    view.full_clean()
    view.save()
    return view


def saved_view_update(
    *, view: SavedView, name: str = KEEP, list: str = KEEP, query: str = KEEP, is_shared: bool = KEEP
) -> SavedView:
    fields = given(name=name, list=list, query=query, is_shared=is_shared)
    for name, value in fields.items():
        setattr(view, name, value)
    view.full_clean()
    view.save()
    return view


def saved_view_delete(*, view: SavedView) -> None:
    view.delete()
