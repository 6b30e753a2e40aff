"""Writes to target accounts. Each runs in a transaction and validates like the admin does.

Fit scores stay current: a write that changes what an account's score is computed from (its own fields, its
signals, its technologies, its status after a won deal) rescores that account in the same transaction
(``icp.services.fit_score_recompute_account``, which also queues the tier re-suggestion); a write touching many
accounts at once queues the bulk recomputation instead.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from abs_platform.tenancy.context import get_current_tenant, get_current_user, workspace_today
from abs_platform.tenancy.models import Membership

from .models import (
    DUPLICATE_DOMAIN_MESSAGE,
    Account,
    AccountStatus,
    AccountTechnology,
    Activity,
    Contact,
    ContactStatus,
    Opportunity,
    OpportunityStage,
    SavedView,
    SavedViewList,
    Seniority,
    Signal,
    Technology,
)


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


@transaction.atomic
def account_create(**fields) -> Account:
    from icp.services import fit_score_recompute_account

    return fit_score_recompute_account(account=_save_validated(Account(tenant=get_current_tenant(), **fields)))


@transaction.atomic
def account_update(*, account: Account, **fields) -> Account:
    from icp.services import fit_score_recompute_account, tiers_resuggest_enqueue

    was_target = account.is_target
    for name, value in fields.items():
        setattr(account, name, value)
    account = fit_score_recompute_account(account=_save_validated(account))
    if account.is_target != was_target and account.fit_score is not None:
        tiers_resuggest_enqueue()  # joins or leaves the ranking of target accounts
    return account


@transaction.atomic
def account_delete(*, account: Account) -> None:
    from icp.services import tiers_resuggest_enqueue

    ranked = account.is_target and account.fit_score is not None
    account.delete()
    if ranked:
        tiers_resuggest_enqueue()


def _rescore(*account_ids: int) -> None:
    from icp.services import fit_scores_recompute_accounts

    fit_scores_recompute_accounts(account_ids=account_ids)


# --- Contacts, signals, opportunities, technologies -------------------------------------------------

CONTACT_EMAIL_TAKEN = "A contact with this e-mail already exists in this workspace."
TECHNOLOGY_NAME_TAKEN = "This technology is already in the catalogue."
PERSONA_SET_BY_HAND = "Set by hand."
_UNSET = object()


def apply_persona_match(contact: Contact, *, rules=None) -> bool:
    """Set ``contact.persona`` from the matching rules unless set by hand; True when anything changed."""
    from personas.matching import match_persona
    from personas.selectors import persona_rules

    before = (contact.persona_id, contact.persona_match_reason)
    if contact.persona_overridden:
        contact.persona_match_reason = PERSONA_SET_BY_HAND if contact.persona_id else ""
    else:
        match = match_persona(
            title=contact.title,
            department=contact.department,
            seniority=contact.seniority,
            personas=persona_rules() if rules is None else rules,
            seniority_labels=dict(Seniority.choices),
        )
        contact.persona_id = match.persona_id if match else None
        contact.persona_match_reason = match.reason if match else ""
    return (contact.persona_id, contact.persona_match_reason) != before


def contact_email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another contact of this workspace has ``email`` (already normalized)."""
    return bool(email) and Contact.objects.filter(email=email).exclude(pk=exclude_pk).exists()


def _save_contact(contact: Contact, persona) -> Contact:
    contact.email = (contact.email or "").strip().lower()
    if persona is not _UNSET:
        # Naming a persona pins it; clearing it hands the contact back to automatic matching.
        contact.persona = persona
        contact.persona_overridden = persona is not None
    apply_persona_match(contact)
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
def contact_create(*, persona=_UNSET, **fields) -> Contact:
    return _save_contact(Contact(tenant=get_current_tenant(), **fields), persona)


@transaction.atomic
def contact_update(*, contact: Contact, persona=_UNSET, **fields) -> Contact:
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
def signal_create(**fields) -> Signal:
    signal = Signal(tenant=get_current_tenant(), **fields)
    _check_signal_contact(signal)
    signal.full_clean()
    signal.save()
    _rescore(signal.account_id)  # trigger-event criteria
    return signal


@transaction.atomic
def signal_update(*, signal: Signal, **fields) -> Signal:
    previous_account_id = signal.account_id
    for name, value in fields.items():
        setattr(signal, name, value)
    _check_signal_contact(signal)
    signal.full_clean()
    signal.save()
    _rescore(previous_account_id, signal.account_id)
    return signal


@transaction.atomic
def signal_delete(*, signal: Signal) -> None:
    account_id = signal.account_id
    signal.delete()
    _rescore(account_id)


def _won_makes_a_customer(opportunity: Opportunity, previous_stage: str | None) -> None:
    """A deal closing won makes its account a customer (from prospect or churned), rescored in the same
    transaction: the existing-customer criterion reads the status. Nothing is undone when a deal reopens."""
    if opportunity.stage != OpportunityStage.CLOSED_WON or previous_stage == OpportunityStage.CLOSED_WON:
        return
    account = Account.objects.get(pk=opportunity.account_id)
    if account.status == AccountStatus.CUSTOMER:
        return
    from icp.services import fit_score_recompute_account

    account.status = AccountStatus.CUSTOMER
    account.updated_at = timezone.now()
    user = get_current_user()
    if user is not None and user.is_authenticated:
        account.updated_by = user
    bulk_update_with_history(
        [account],
        Account,
        ["status", "updated_at", "updated_by"],
        default_change_reason=f"Deal “{opportunity.name}” closed won",
    )
    fit_score_recompute_account(account=account)


@transaction.atomic
def opportunity_create(**fields) -> Opportunity:
    opportunity = Opportunity(tenant=get_current_tenant(), **fields)
    opportunity.full_clean()
    opportunity.save()
    _won_makes_a_customer(opportunity, None)
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, **fields) -> Opportunity:
    previous_stage = opportunity.stage
    for name, value in fields.items():
        setattr(opportunity, name, value)
    opportunity.full_clean()
    opportunity.save()
    _won_makes_a_customer(opportunity, previous_stage)
    return opportunity


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity) -> None:
    opportunity.delete()


@transaction.atomic
def activity_create(**fields) -> Activity:
    """Log one touch or response; ``Activity.clean`` checks the time, the contact's account and the owner."""
    activity = Activity(tenant=get_current_tenant(), **fields)
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, **fields) -> Activity:
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
def technology_create(**fields) -> Technology:
    return _save_technology(Technology(tenant=get_current_tenant(), **fields))


@transaction.atomic
def technology_update(*, technology: Technology, **fields) -> Technology:
    for name, value in fields.items():
        setattr(technology, name, value)
    return _save_technology(technology)


@transaction.atomic
def technology_delete(*, technology: Technology) -> None:
    """Removing a catalogue entry removes it from every account using it: their scores are recomputed in bulk."""
    from icp.models import CriterionKind
    from icp.services import fit_recompute_enqueue_for

    in_use = technology.account_links.exists()
    technology.delete()
    if in_use:
        fit_recompute_enqueue_for(kinds={CriterionKind.TECHNOLOGY})


@transaction.atomic
def account_set_technologies(*, account: Account, technologies) -> list[Technology]:
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
        _rescore(account.pk)
    return sorted(wanted.values(), key=lambda technology: (technology.name.casefold(), technology.pk))


@transaction.atomic
def account_technology_add(*, account: Account, technology: Technology) -> AccountTechnology:
    link = AccountTechnology(account=account, technology=technology)
    link.full_clean(validate_constraints=False)
    link.save()
    _rescore(link.account_id)
    return link


@transaction.atomic
def account_technology_update(*, link: AccountTechnology, **fields) -> AccountTechnology:
    previous_account_id = link.account_id
    for name, value in fields.items():
        setattr(link, name, value)
    link.full_clean(validate_constraints=False)
    link.save()
    _rescore(previous_account_id, link.account_id)
    return link


@transaction.atomic
def account_technology_remove(*, link: AccountTechnology) -> None:
    account_id = link.account_id
    link.delete()
    _rescore(account_id)


@transaction.atomic
def accounts_bulk_change(*, accounts: list[Account], action: str, owner=None, tier=None, reason: str = "") -> int:
    """One change to many accounts, recorded in their history; all or nothing. Returns how many changed."""
    from icp.services import account_override_tier, tiers_resuggest_enqueue

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
    if "is_target" in values:
        tiers_resuggest_enqueue()  # once for the whole selection: the targets are what tiers rank
    return len(accounts)


@transaction.atomic
def contacts_bulk_change(
    *,
    contacts: list[Contact],
    action: str,
    status: str = "",
    persona=None,
    verified_on: date | None = None,
) -> int:
    """One change to many contacts, recorded in their history; all or nothing. Returns how many changed.

    ``mark_verified`` sets ``last_verified_on`` (default: today); ``set_status`` the status;
    ``set_persona`` pins ``persona`` on every contact, or with None hands them back to automatic matching.
    """
    from personas.selectors import persona_rules

    tenant, today = get_current_tenant(), workspace_today()
    if action == "mark_verified":
        verified_on = verified_on or today
        if verified_on > today:
            raise ValidationError({"verified_on": ["A verification date cannot be in the future."]})
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
    rules = persona_rules() if action == "set_persona" and persona is None else None
    scope_user = get_current_user()
    now = timezone.now()
    for contact in contacts:
        if action == "mark_verified":
            contact.last_verified_on = verified_on
        elif action == "set_status":
            contact.status = status
        elif persona is not None:
            contact.persona, contact.persona_overridden = persona, True
            apply_persona_match(contact)  # no rules needed: a pinned persona only gets its reason
        else:
            contact.persona_overridden = False
            apply_persona_match(contact, rules=rules)
        contact.updated_at = now
        if scope_user is not None and scope_user.is_authenticated:
            contact.updated_by = scope_user
    bulk_update_with_history(contacts, Contact, [*fields, "updated_at", "updated_by"], default_user=scope_user)
    return len(contacts)


def saved_view_create(
    *, user, name: str, list: str = SavedViewList.ACCOUNTS, query: str = "", is_shared: bool = False
) -> SavedView:
    view = SavedView(tenant=get_current_tenant(), user=user, name=name, list=list, query=query, is_shared=is_shared)
    view.full_clean()
    view.save()
    return view


def saved_view_update(*, view: SavedView, **fields) -> SavedView:
    for name, value in fields.items():
        setattr(view, name, value)
    view.full_clean()
    view.save()
    return view


def saved_view_delete(*, view: SavedView) -> None:
    view.delete()
