"""Writes to personas and buying-committee requirements, and the bulk persona re-match."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from abs_platform.jobs import services as jobs
from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import get_current_tenant, get_current_user
from abs_platform.tenancy.db import tenant_transaction
from accounts.models import Account, Contact, Seniority
from accounts.services import KEEP, given
from icp.models import Tier

from . import selectors
from .coverage import coverage_store, coverage_store_ids
from .matching import PersonaRules, match_persona
from .models import CommitteeRequirement, Persona

PERSONA_NAME_TAKEN = "A persona with this name already exists."
REQUIREMENT_TAKEN = "This tier already requires this persona."
REMATCH_JOB_KIND = "persona_rematch"
REMATCH_CHUNK = 500
PERSONA_SET_BY_HAND = "Set by hand."


def apply_persona_match(contact: Contact, *, rules: list[PersonaRules]) -> bool:
    """Set ``contact.persona`` from the matching ``rules`` unless set by hand; True when anything changed."""
    before = (contact.persona_id, contact.persona_match_reason)
    if contact.persona_overridden:
        contact.persona_match_reason = PERSONA_SET_BY_HAND if contact.persona_id else ""
    else:
        match = match_persona(
            title=contact.title,
            department=contact.department,
            seniority=contact.seniority,
            personas=rules,
            seniority_labels=dict(Seniority.choices),
        )
        contact.persona_id = match.persona_id if match else None
        contact.persona_match_reason = match.reason if match else ""
    return (contact.persona_id, contact.persona_match_reason) != before


def contacts_match_personas(contacts: list[Contact]) -> None:
    """``apply_persona_match`` for contacts about to be saved, with the rules read once (none when every
    contact's persona is set by hand)."""
    rules = selectors.persona_rules() if any(not contact.persona_overridden for contact in contacts) else []
    for contact in contacts:
        apply_persona_match(contact, rules=rules)


def persona_name_taken(name: str, *, exclude_pk: int | None = None) -> bool:
    return Persona.objects.filter(name__iexact=name.strip()).exclude(pk=exclude_pk).exists()


def _save_persona(persona: Persona) -> Persona:
    persona.name = persona.name.strip()
    if persona_name_taken(persona.name, exclude_pk=persona.pk):
        raise ValidationError({"name": [PERSONA_NAME_TAKEN]})
    persona.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            persona.save()
    except IntegrityError as error:
        if "persona_name_unique_per_tenant" in str(error):
            raise ValidationError({"name": [PERSONA_NAME_TAKEN]}) from None
        raise
    return persona


RULE_FIELDS = ("title_keywords", "departments", "seniorities")


@transaction.atomic
def persona_create(
    *,
    name: str,
    description: str = "",
    challenges: str = "",
    objectives: str = "",
    career_goals: str = "",
    decision_role: str = "",
    information_sources: str = "",
    preferred_channels: list[str] | None = None,
    title_keywords: list[str] | None = None,
    departments: list[str] | None = None,
    seniorities: list[str] | None = None,
) -> tuple[Persona, Job | None]:
    """Create a persona; when it has matching rules, a re-match job is queued (returned)."""
    persona = Persona(
        tenant=get_current_tenant(),
        name=name,
        description=description,
        challenges=challenges,
        objectives=objectives,
        career_goals=career_goals,
        decision_role=decision_role,
        information_sources=information_sources,
        preferred_channels=preferred_channels or [],
        title_keywords=title_keywords or [],
        departments=departments or [],
        seniorities=seniorities or [],
    )
    persona = _save_persona(persona)
    job = persona_rematch_enqueue() if any(getattr(persona, name) for name in RULE_FIELDS) else None
    return persona, job


@transaction.atomic
def persona_update(
    *,
    persona: Persona,
    name: str = KEEP,
    description: str = KEEP,
    challenges: str = KEEP,
    objectives: str = KEEP,
    career_goals: str = KEEP,
    decision_role: str = KEEP,
    information_sources: str = KEEP,
    preferred_channels: list[str] = KEEP,
    title_keywords: list[str] = KEEP,
    departments: list[str] = KEEP,
    seniorities: list[str] = KEEP,
) -> tuple[Persona, Job | None]:
    """Update a persona; when its matching rules changed, a re-match job is queued (returned)."""
    fields = given(
        name=name,
        description=description,
        challenges=challenges,
        objectives=objectives,
        career_goals=career_goals,
        decision_role=decision_role,
        information_sources=information_sources,
        preferred_channels=preferred_channels,
        title_keywords=title_keywords,
        departments=departments,
        seniorities=seniorities,
    )
    before = {name: getattr(persona, name) for name in RULE_FIELDS}
    for name, value in fields.items():
        setattr(persona, name, value)
    persona = _save_persona(persona)
    changed = any(getattr(persona, name) != value for name, value in before.items())
    return persona, persona_rematch_enqueue() if changed else None


@transaction.atomic
def persona_delete(*, persona: Persona) -> Job | None:
    """Delete a persona: its contacts lose it (automatically matched ones are re-matched by a job)."""
    had_contacts = Contact.objects.filter(persona=persona).exists()
    tier_ids = list(persona.requirements.values_list("tier_id", flat=True))
    # Contacts pinned to this persona go back to automatic matching (the job re-matches them).
    pinned = list(Contact.objects.filter(persona=persona, persona_overridden=True))
    for contact in pinned:
        contact.persona, contact.persona_overridden, contact.persona_match_reason = None, False, ""
        contact.updated_at = timezone.now()
    if pinned:
        user = get_current_user()
        bulk_update_with_history(
            pinned,
            Contact,
            ["persona", "persona_overridden", "persona_match_reason", "updated_at"],
            default_user=user if getattr(user, "is_authenticated", False) else None,
            default_change_reason="Persona deleted",
            manager=Contact.objects,
        )
    persona.delete()
    coverage_store(Account.objects.filter(tier_id__in=tier_ids))  # its requirements went with it
    return persona_rematch_enqueue() if had_contacts else None


def persona_rematch_enqueue() -> Job:
    """Queue a re-match of every automatically matched contact, after the current transaction commits."""
    from .tasks import personas_rematch

    return jobs.job_create(kind=REMATCH_JOB_KIND, task=personas_rematch)


def contacts_rematch(*, job: Job | None = None, chunk_size: int = REMATCH_CHUNK) -> dict:
    """Re-match every contact whose persona is not set by hand, in chunks (each its own transaction).

    Idempotent: contacts whose persona and reason do not change are not written.
    Progress goes to ``job``. Returns counts: ``checked`` and ``changed``.
    Runs outside a transaction (a ``tenant_task`` with ``atomic=False``).
    """
    tenant = get_current_tenant()
    user = get_current_user()
    with tenant_transaction(tenant):
        rules = selectors.persona_rules()
        total = Contact.objects.filter(persona_overridden=False).count()
    if job is not None:
        jobs.job_start(job=job, total=total)
    checked = changed = 0
    last_id = 0
    while True:
        with tenant_transaction(tenant):
            chunk = list(Contact.objects.filter(persona_overridden=False, pk__gt=last_id).order_by("pk")[:chunk_size])
            if not chunk:
                break
            dirty = [contact for contact in chunk if apply_persona_match(contact, rules=rules)]
            now = timezone.now()
            for contact in dirty:
                contact.updated_at = now
            if dirty:
                bulk_update_with_history(
                    dirty,
                    Contact,
                    ["persona", "persona_match_reason", "updated_at"],
                    batch_size=chunk_size,
                    default_user=user if getattr(user, "is_authenticated", False) else None,
                    default_change_reason="Persona re-match",
                    manager=Contact.objects,
                )
                coverage_store_ids({contact.account_id for contact in dirty})
        last_id = chunk[-1].pk
        checked += len(chunk)
        changed += len(dirty)
        if job is not None:
            jobs.job_progress(job=job, done=checked)
    result = {"checked": checked, "changed": changed}
    if job is not None:
        jobs.job_succeed(job=job, result=result)
    return result


def run_rematch_jobs(first_job_id: int | None) -> list[dict]:
    """Run the given re-match job, then any others still queued (their own task was skipped while this ran)."""
    if first_job_id is None:
        return []
    return jobs.jobs_run_queued(
        kind=REMATCH_JOB_KIND, first_job_id=first_job_id, run=lambda job: contacts_rematch(job=job)
    )


def _save_requirement(requirement: CommitteeRequirement, *, left: int | None = None) -> CommitteeRequirement:
    """Validate and save; the coverage of the accounts of its tier (and of ``left``, the tier it left) follows."""
    duplicate = CommitteeRequirement.objects.filter(tier_id=requirement.tier_id, persona_id=requirement.persona_id)
    if duplicate.exclude(pk=requirement.pk).exists():
        raise ValidationError({"persona": [REQUIREMENT_TAKEN]})
    requirement.full_clean(validate_constraints=False)
    requirement.save()
    coverage_store(Account.objects.filter(tier_id__in={requirement.tier_id, left} - {None}))
    return requirement


@transaction.atomic
def committee_requirement_create(*, tier: Tier, persona: Persona, min_contacts: int = 1) -> CommitteeRequirement:
    return _save_requirement(
        CommitteeRequirement(tenant=get_current_tenant(), tier=tier, persona=persona, min_contacts=min_contacts)
    )


@transaction.atomic
def committee_requirement_update(
    *, requirement: CommitteeRequirement, tier: Tier = KEEP, persona: Persona = KEEP, min_contacts: int = KEEP
) -> CommitteeRequirement:
    fields = given(tier=tier, persona=persona, min_contacts=min_contacts)
    left = requirement.tier_id
    for name, value in fields.items():
        setattr(requirement, name, value)
    return _save_requirement(requirement, left=left)


@transaction.atomic
def committee_requirement_delete(*, requirement: CommitteeRequirement) -> None:
    requirement.delete()
    coverage_store(Account.objects.filter(tier_id=requirement.tier_id))
