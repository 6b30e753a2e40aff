"""Writes for the ICP, its criteria and sign-offs, tiers and fit scores.

Keyword-only functions in a transaction that validate before they save.
Writes to accounts go through ``bulk_update_with_history`` so that the audit
log records them (even for one account: only the named fields are written).
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django_countries import countries
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from abs_platform.jobs import services as job_services
from abs_platform.jobs.models import Job, JobStatus
from abs_platform.tenancy.context import get_current_tenant, get_current_user, workspace_zone
from abs_platform.tenancy.db import tenant_transaction
from accounts import events
from accounts.models import Account, CompanyType, SignalType, Technology
from accounts.services import KEEP, given

from . import selectors
from .models import Criterion, CriterionKind, EngagementModel, IdealCustomerProfile, SignOff, Tier
from .scoring import AccountFacts, clean_params, score_account, suggest_tiers

CHUNK_SIZE = 500
TIER_PASSES = 3  # tier re-suggestion passes at most, while scores keep changing under it
DEFAULT_TIERS = [
    (
        "Tier 1",
        1,
        EngagementModel.ONE_TO_ONE,
        50,
        "Deep research, one-to-one outreach by sales, SDR, marketing and executives.",
    ),
    (
        "Tier 2",
        2,
        EngagementModel.ONE_TO_FEW,
        200,
        "Personalized by industry and persona; multi-touch campaigns over weeks.",
    ),
    ("Tier 3", 3, EngagementModel.ONE_TO_MANY, None, "Everyone else: one-to-many programmes."),
]
READ_ONLY_MESSAGE = "ICP version {version} is a previous version and read-only; create a new version to change it."
SCORE_FIELDS = ["fit_score", "fit_explanation", "fit_scored_at"]
TIER_FIELDS = ["suggested_tier", "tier"]


def _user():
    user = get_current_user()
    return user if getattr(user, "is_authenticated", False) else None


# ---------------------------------------------------------------- bulk writes to accounts


def accounts_bulk_write(accounts: list[Account], fields: list[str]) -> None:
    """Write ``fields`` of many accounts and record one history row each (the audit log sees bulk writes).

    On PostgreSQL one ``UPDATE … FROM (VALUES …)`` per chunk: Django's
    ``bulk_update`` builds a CASE expression per row and field, which costs
    seconds of Python per thousand rows. The history rows are written like
    ``bulk_update_with_history`` writes them (``bulk_history_create``).
    Elsewhere (SQLite) it is ``bulk_update_with_history`` itself. Sends ``accounts_changed`` with ``fields``
    (teams re-apply their rules when the tier moved).
    """
    if not accounts:
        return
    if connection.vendor != "postgresql":
        bulk_update_with_history(accounts, Account, fields, batch_size=CHUNK_SIZE)
    else:
        _accounts_update_values(accounts, fields)
    events.accounts_changed.send(Account, account_ids=[account.pk for account in accounts], fields=set(fields))


def _accounts_update_values(accounts: list[Account], fields: list[str]) -> None:
    columns = [Account._meta.get_field(name) for name in fields]
    assignments = ", ".join(
        f'"{column.column}" = v."{column.column}"::{column.db_type(connection)}' for column in columns
    )
    names = ", ".join(f'"{column.column}"' for column in columns)
    with transaction.atomic(savepoint=False):
        for start in range(0, len(accounts), CHUNK_SIZE):
            chunk = accounts[start : start + CHUNK_SIZE]
            row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
            params = []
            for account in chunk:
                params.append(account.pk)
                params.extend(
                    column.get_db_prep_save(getattr(account, column.attname), connection) for column in columns
                )
            sql = (
                f'UPDATE "{Account._meta.db_table}" AS a SET {assignments} '
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v(id, {names}) "
                "WHERE a.id = v.id::bigint AND a.tenant_id = %s"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [*params, chunk[0].tenant_id])
        Account.history.bulk_history_create(accounts, update=True, batch_size=CHUNK_SIZE)


# ---------------------------------------------------------------- tiers


def tiers_ensure_defaults() -> list[Tier]:
    """The workspace's tiers, creating the three default tiers the first time."""
    tiers = list(selectors.tier_list())
    if tiers:
        return tiers
    try:
        with transaction.atomic():
            for name, rank, engagement, capacity, description in DEFAULT_TIERS:
                tier = Tier(
                    name=name, rank=rank, engagement_model=engagement, capacity=capacity, description=description
                )
                tier.full_clean(validate_constraints=False)
                tier.save()
    except IntegrityError:  # another request created them at the same moment
        pass
    return list(selectors.tier_list())


def _tier_save(tier: Tier) -> Tier:
    tier.full_clean(validate_constraints=False)
    if Tier.objects.filter(rank=tier.rank).exclude(pk=tier.pk).exists():
        raise ValidationError({"rank": [f"Another tier already has rank {tier.rank}."]})
    tier.save()
    return tier


@transaction.atomic
def tier_create(
    *, name: str, rank: int, engagement_model: str, capacity: int | None = None, description: str = ""
) -> Tier:
    tier = Tier(
        tenant=get_current_tenant(),
        name=name,
        rank=rank,
        engagement_model=engagement_model,
        capacity=capacity,
        description=description,
    )
    _tier_save(tier)
    tiers_resuggest_enqueue()
    return tier


@transaction.atomic
def tier_update(
    *,
    tier: Tier,
    name: str = KEEP,
    rank: int = KEEP,
    engagement_model: str = KEEP,
    capacity: int | None = KEEP,
    description: str = KEEP,
) -> Tier:
    fields = given(name=name, rank=rank, engagement_model=engagement_model, capacity=capacity, description=description)
    for name, value in fields.items():
        setattr(tier, name, value)
    _tier_save(tier)
    tiers_resuggest_enqueue()
    return tier


@transaction.atomic
def tier_delete(*, tier: Tier) -> None:
    """Deletes the tier once no tier suggestion is writing accounts into it (see ``locked_tiers``): its accounts
    are let go of in the same transaction, so none is left pointing at it when it commits."""
    Tier.objects.select_for_update().filter(pk=tier.pk).first()
    tier.delete()
    tiers_resuggest_enqueue()


def locked_tiers() -> list[Tier]:
    """The tiers, locked until the transaction ends, for a run that writes accounts into them: a tier deleted
    meanwhile waits for the run to commit, and a run started after the deletion waits and does not see it.
    (``FOR NO KEY UPDATE`` leaves accounts free to reference the tiers.)"""
    return list(selectors.tier_list().select_for_update(no_key=True))


def tiers_resuggest_enqueue() -> None:
    """Re-suggest the workspace's tiers in the background once the current transaction commits (one job per
    transaction however often it is asked; ``tiers_resuggest`` runs at most once at a time per workspace)."""
    from .tasks import tiers_resuggest

    job_services.job_create(kind=selectors.TIERS_JOB_KIND, task=tiers_resuggest, once=True)


def tiers_resuggest_jobs() -> dict[str, int]:
    """Re-suggest the tiers while tier jobs are queued: one pass covers every job committed before it started
    (asked for by the changes it sees). Jobs committed meanwhile get another pass; a message for jobs already
    covered finds none and does nothing. Call without a transaction."""
    tenant = get_current_tenant()
    counts: dict[str, int] = {}
    while True:
        with tenant_transaction(tenant):
            waiting = list(
                Job.objects.filter(kind=selectors.TIERS_JOB_KIND, status=JobStatus.QUEUED).values_list("pk", flat=True)
            )
        if not waiting:
            return counts
        with tenant_transaction(tenant):
            counts = tiers_resuggest_run()
        job_services.jobs_succeed(job_ids=waiting, result=counts)


def _ranking() -> tuple[dict[int, int], list[Tier]]:
    """What suggested tiers depend on: target accounts' fit scores (those with a score), and the tiers."""
    tiers_ensure_defaults()
    tiers = locked_tiers()
    scores = dict(Account.objects.filter(is_target=True, fit_score__isnull=False).values_list("id", "fit_score"))
    return scores, tiers


def _ranking_key(ranking) -> tuple:
    scores, tiers = ranking
    return scores, [(tier.pk, tier.capacity) for tier in tiers]


def tiers_resuggest_run() -> dict[str, int]:
    """``tiers_suggest`` again while the ranking changed under it: a score committed during a run (whose own
    task the exclusive guard skipped) is picked up by the next pass rather than left stale."""
    ranking = _ranking()
    for _ in range(TIER_PASSES):
        counts = _tiers_suggest(*ranking)
        current = _ranking()
        if _ranking_key(current) == _ranking_key(ranking):
            break
        ranking = current
    return counts


def tiers_suggest() -> dict[str, int]:
    """Suggested tier by fit-score rank within capacity, and the effective tier where not overridden.

    Target accounts with a fit score, best first (ties by id), fill the tiers in
    rank order up to each capacity; the last tier takes the rest, and every account
    with fit 0. Accounts without a score or not targeted get no suggestion. Only changed accounts
    are written. Returns accounts per suggested tier name.
    """
    return _tiers_suggest(*_ranking())


def _tiers_suggest(scores: dict[int, int], tiers: list[Tier]) -> dict[str, int]:
    suggestion = suggest_tiers(scores, [(tier.pk, tier.capacity) for tier in tiers])
    changes, moved = {}, []
    for account_id, suggested_id, tier_id, reason in Account.objects.values_list(
        "id", "suggested_tier_id", "tier_id", "tier_override_reason"
    ):
        new_suggested = suggestion.get(account_id)
        new_tier = tier_id if reason else new_suggested
        if (suggested_id, tier_id) != (new_suggested, new_tier):
            changes[account_id] = (new_suggested, new_tier)
        if tier_id != new_tier:
            moved.append((account_id, tier_id, new_tier))
    ids = sorted(changes)
    for start in range(0, len(ids), CHUNK_SIZE):
        accounts = list(Account.objects.filter(id__in=ids[start : start + CHUNK_SIZE]))
        for account in accounts:
            account.suggested_tier_id, account.tier_id = changes[account.pk]
        accounts_bulk_write(accounts, TIER_FIELDS)
    if moved:
        events.account_tiers_changed.send(Account, changes=moved)
    names = {tier.pk: tier.name for tier in tiers}
    counts = {tier.name: 0 for tier in tiers}
    for tier_id in suggestion.values():
        counts[names[tier_id]] += 1
    return counts


# ---------------------------------------------------------------- ICP versions


def _active_version() -> int | None:
    return IdealCustomerProfile.objects.filter(is_active=True).values_list("version", flat=True).first()


def icp_require_editable(icp: IdealCustomerProfile) -> None:
    if not selectors.icp_is_editable(icp):
        raise ValidationError(READ_ONLY_MESSAGE.format(version=icp.version))


@transaction.atomic
def icp_create(
    *, name: str = "", notes: str = "", copy_from: IdealCustomerProfile | None = None
) -> IdealCustomerProfile:
    """A new draft version, starting as a copy of ``copy_from`` (default: the active version)."""
    source = copy_from or selectors.icp_active()
    version = (IdealCustomerProfile.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    icp = IdealCustomerProfile(
        tenant=get_current_tenant(),
        version=version,
        name=name or (source.name if source else "Ideal customer profile"),
        notes=notes or (source.notes if source else ""),
    )
    icp.full_clean(validate_constraints=False)
    icp.save()
    if source is not None:
        copies = [
            Criterion(
                tenant=icp.tenant,
                icp=icp,
                kind=criterion.kind,
                params=criterion.params,
                weight=criterion.weight,
                must_have=criterion.must_have,
                position=criterion.position,
                created_by=_user(),
                updated_by=_user(),
            )
            for criterion in source.criteria.order_by("position", "id")
        ]
        bulk_create_with_history(copies, Criterion, default_user=_user())
    return icp


@transaction.atomic
def icp_update(*, icp: IdealCustomerProfile, name: str = KEEP, notes: str = KEEP) -> IdealCustomerProfile:
    icp_require_editable(icp)
    fields = given(name=name, notes=notes)
    for name, value in fields.items():
        setattr(icp, name, value)
    icp.full_clean(validate_constraints=False)
    icp.save()
    return icp


@transaction.atomic
def icp_activate(*, icp: IdealCustomerProfile) -> Job | None:
    """Make ``icp`` the one active version and recompute every fit score in the background."""
    if not icp.criteria.exists():
        raise ValidationError("Add at least one criterion before activating this version.")
    if icp.is_active:
        return None
    for previous in IdealCustomerProfile.objects.filter(is_active=True).select_for_update():
        previous.is_active = False
        previous.save()
    icp.is_active = True
    icp.activated_at = timezone.now()
    icp.save()
    return fit_recompute_enqueue()


# ---------------------------------------------------------------- criteria


def criterion_clean(criterion: Criterion) -> None:
    """Validate a criterion (kind, weight 1–100, ``params`` of its kind) and normalize its ``params`` in place.

    The API, the ICP preview and the admin all validate through here. Needs the criterion's tenant as the
    current tenant: technology ids are checked against that workspace's catalogue.
    """
    errors = {}
    if criterion.kind not in CriterionKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(CriterionKind.values)}."]
    if criterion.weight is None or not 1 <= criterion.weight <= 100:
        errors["weight"] = ["The weight must be between 1 and 100."]
    if "kind" not in errors:
        given = criterion.params.get("technology_ids") if isinstance(criterion.params, dict) else None
        known = None
        if criterion.kind == CriterionKind.TECHNOLOGY and isinstance(given, list):
            numeric = [value for value in given if isinstance(value, int) and not isinstance(value, bool)]
            numeric += [int(value) for value in given if isinstance(value, str) and value.isdigit()]
            known = set(Technology.objects.filter(id__in=numeric).values_list("id", flat=True))
        try:
            criterion.params = clean_params(
                criterion.kind,
                criterion.params,
                technology_ids=known if known is not None else set(),
                country_codes={code for code, _ in countries},
                company_types=set(CompanyType.values),
                signal_types=set(SignalType.values),
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    criterion.full_clean(exclude=["params"], validate_constraints=False)


def _criteria_changed(icp: IdealCustomerProfile) -> None:
    """Sign-offs agreed to the criteria as they were: a change withdraws them, so a signed-off version is never
    edited in place unnoticed. The active version's scores follow its criteria."""
    icp.sign_offs.all().delete()
    if icp.is_active:
        fit_recompute_enqueue()


@transaction.atomic
def criterion_create(
    *,
    icp: IdealCustomerProfile,
    kind: str,
    params: dict | None = None,
    weight: int = 10,
    must_have: bool = False,
    position: int | None = None,
) -> Criterion:
    """Add a criterion to an editable version; without a ``position`` it goes last."""
    icp_require_editable(icp)
    if position is None:
        position = (icp.criteria.aggregate(top=Max("position"))["top"] or 0) + 1
    criterion = Criterion(
        tenant=get_current_tenant(),
        icp=icp,
        kind=kind,
        params={} if params is None else params,
        weight=weight,
        must_have=must_have,
        position=position,
    )
    criterion_clean(criterion)
    criterion.save()
    _criteria_changed(icp)
    return criterion


@transaction.atomic
def criterion_update(
    *,
    criterion: Criterion,
    icp: IdealCustomerProfile = KEEP,
    kind: str = KEEP,
    params: dict = KEEP,
    weight: int = KEEP,
    must_have: bool = KEEP,
    position: int = KEEP,
) -> Criterion:
    """Change the given fields of a criterion of an editable version (``icp``, if given, must be its own)."""
    icp_require_editable(criterion.icp)
    if icp is not KEEP and icp.pk != criterion.icp_id:
        raise ValidationError({"icp": ["A criterion cannot move to another ICP version."]})
    fields = given(kind=kind, params=params, weight=weight, must_have=must_have, position=position)
    for name, value in fields.items():
        setattr(criterion, name, value)
    criterion_clean(criterion)
    criterion.save()
    _criteria_changed(criterion.icp)
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion) -> None:
    icp = criterion.icp
    icp_require_editable(icp)
    criterion.delete()
    _criteria_changed(icp)


@transaction.atomic
def icp_accept_insights(*, attributes: list[str]) -> IdealCustomerProfile:
    """A new draft version (copy of the active one) with the insights' suggested criteria for ``attributes``;
    a suggestion replaces the draft's criteria of the same kind."""
    from .insights import compute_insights, suggested_criterion

    insights = {row["attribute"]: row for row in compute_insights(selectors.deal_facts())["attributes"]}
    unknown = [name for name in attributes if name not in insights]
    if unknown or not attributes:
        raise ValidationError({"attributes": [f"Choose from: {', '.join(insights)}."]})
    empty = [insights[name]["title"] for name in attributes if insights[name]["suggestion"] is None]
    if empty:
        raise ValidationError({"attributes": [f"No suggestion (too few deals) for: {', '.join(empty)}."]})
    icp = icp_create()
    for name in attributes:
        suggestion = insights[name]["suggestion"]
        kind, params = suggested_criterion(name, suggestion)
        for criterion in icp.criteria.filter(kind=kind):
            criterion.delete()
        criterion_create(icp=icp, kind=kind, params=params, weight=suggestion["weight"])
    return icp


# ---------------------------------------------------------------- sign-offs


@transaction.atomic
def sign_off_create(*, icp: IdealCustomerProfile, department: str, note: str = "") -> SignOff:
    icp_require_editable(icp)
    if SignOff.objects.filter(icp=icp, department=department).exists():
        raise ValidationError({"department": ["This department has already signed off this version."]})
    sign_off = SignOff(tenant=get_current_tenant(), icp=icp, department=department, note=note, signed_by=_user())
    sign_off.full_clean(exclude=["signed_by"], validate_constraints=False)  # API keys sign as nobody
    sign_off.save()
    return sign_off


@transaction.atomic
def sign_off_delete(*, sign_off: SignOff) -> None:
    icp_require_editable(sign_off.icp)
    sign_off.delete()


# ---------------------------------------------------------------- fit scores


def _facts_row(account: Account) -> dict:
    return {
        "id": account.pk,
        "industry": account.industry,
        "employee_count": account.employee_count,
        "annual_revenue": account.annual_revenue,
        "country": str(account.country or ""),
        "company_type": account.company_type,
        "growth_rate": account.growth_rate,
        "status": account.status,
    }


def _apply_score(account: Account, facts: AccountFacts, criteria, *, today, now) -> bool:
    """Set the account's score fields; True when they changed."""
    result = score_account(facts, criteria, today=today)
    explanation = result.explanation
    if account.fit_score == result.score and account.fit_explanation == explanation:
        return False
    account.fit_score = result.score
    account.fit_explanation = explanation
    account.fit_scored_at = now if result.score is not None else None
    return True


@transaction.atomic
def fit_score_recompute_account(*, account: Account) -> Account:
    """Score one account against the active ICP now, in the caller's transaction.

    Called by the services when the account, its signals, its technologies or its deals change. A changed
    score of a target account can move other accounts between tiers (tiers are filled by rank), so it
    queues the workspace's tier re-suggestion for after the commit.
    """
    criteria = selectors.active_criteria_specs()
    if not criteria and account.fit_score is None:
        return account
    now = timezone.now()
    today = timezone.localdate(now, workspace_zone())
    facts = selectors.facts_for_rows([_facts_row(account)], criteria, today=today)[account.pk]
    if _apply_score(account, facts, criteria, today=today, now=now):
        bulk_update_with_history([account], Account, SCORE_FIELDS)
        if account.is_target:
            tiers_resuggest_enqueue()
    return account


def fit_scores_recompute_accounts(*, account_ids) -> None:
    """``fit_score_recompute_account`` for the (few) accounts whose facts changed, e.g. a signal moved from one
    account to another."""
    for account in Account.objects.filter(pk__in=set(account_ids)).order_by("id"):
        fit_score_recompute_account(account=account)


def fit_recompute_enqueue_for(*, kinds: set[str] | None = None) -> Job | None:
    """Queue the bulk recomputation after a change to many accounts (an import, a catalogue entry removed) when
    the active ICP has criteria (of one of ``kinds``, when given); None when no score can change."""
    if not any(kinds is None or spec.kind in kinds for spec in selectors.active_criteria_specs()):
        return None
    return fit_recompute_enqueue()


def fit_recompute_enqueue() -> Job:
    """Queue a bulk recomputation (runs after the current transaction commits); returns its job."""
    from .tasks import fit_scores_recompute

    return job_services.job_create(kind=selectors.FIT_JOB_KIND, task=fit_scores_recompute)


def fit_scores_run(*, job_id: int | None = None) -> dict:
    """Recompute every account's fit score in chunks (one transaction each), then the suggested tiers.

    Runs the given job and then any job queued meanwhile (a second task for
    the same workspace skips while this one runs). Call without a transaction.
    """
    if job_id is None:
        job_id = job_services.job_create(kind=selectors.FIT_JOB_KIND).pk
    results = job_services.jobs_run_queued(kind=selectors.FIT_JOB_KIND, first_job_id=job_id, run=_fit_scores_run_job)
    return results[-1] if results else {}


def _fit_scores_run_job(job: Job) -> dict:
    """Two passes, each chunked by id: score every account from its facts (values only, three queries a
    chunk), rank and suggest tiers, then load and write only the accounts whose score or tier changed, one
    UPDATE and one history insert per chunk, with progress after each chunk."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        criteria = selectors.active_criteria_specs()
        tiers = tiers_ensure_defaults()
        total = Account.objects.count()
    job_services.job_start(job=job, total=total)
    now = timezone.now()
    today = timezone.localdate(now, workspace_zone())
    results: dict[int, tuple[int | None, list]] = {}
    targets: set[int] = set()
    last_id = 0
    while True:
        with tenant_transaction(tenant):
            rows = list(
                Account.objects.filter(id__gt=last_id)
                .order_by("id")
                .values(*selectors.FACT_FIELDS, "is_target")[:CHUNK_SIZE]
            )
            if not rows:
                break
            facts = selectors.facts_for_rows(rows, criteria, today=today)
        for row in rows:
            result = score_account(facts[row["id"]], criteria, today=today)
            results[row["id"]] = (result.score, result.explanation)
            if row["is_target"]:
                targets.add(row["id"])
        last_id = rows[-1]["id"]
    target_scores = {pk: results[pk][0] for pk in targets if results[pk][0] is not None}
    suggestion = suggest_tiers(target_scores, [(tier.pk, tier.capacity) for tier in tiers])
    done = changed = 0
    last_id = 0
    while True:
        with tenant_transaction(tenant):
            present = {tier.pk for tier in locked_tiers()}  # a tier deleted since the ranking suggests nothing
            accounts = list(Account.objects.filter(id__gt=last_id).order_by("id")[:CHUNK_SIZE])
            if not accounts:
                break
            dirty = []
            for account in accounts:
                if account.pk not in results:  # created meanwhile: scored by its own save
                    continue
                score, explanation = results[account.pk]
                suggested = suggestion.get(account.pk)
                suggested = suggested if suggested in present else None
                tier_id = account.tier_id if account.tier_override_reason else suggested
                new = (score, explanation, suggested, tier_id)
                if new == (account.fit_score, account.fit_explanation, account.suggested_tier_id, account.tier_id):
                    continue
                if (score, explanation) != (account.fit_score, account.fit_explanation):
                    account.fit_scored_at = now if score is not None else None
                account.fit_score, account.fit_explanation = score, explanation
                account.suggested_tier_id, account.tier_id = suggested, tier_id
                dirty.append(account)
            accounts_bulk_write(dirty, SCORE_FIELDS + TIER_FIELDS)
        last_id = accounts[-1].pk
        done += len(accounts)
        changed += len(dirty)
        job_services.job_progress(job=job, done=min(done, total))
    names = {tier.pk: tier.name for tier in tiers}
    counts = {tier.name: 0 for tier in tiers}
    for tier_id in suggestion.values():
        counts[names[tier_id]] += 1
    result = {"accounts": done, "changed": changed, "tiers": counts}
    job.total = max(job.total, done)
    job_services.job_succeed(job=job, result=result)
    return result


# ---------------------------------------------------------------- scores whose trigger events aged


def fit_aging_enqueue() -> Job:
    """Queue a rescoring of the accounts whose trigger events aged, sent once the transaction commits."""
    from .tasks import fit_scores_age

    return job_services.job_create(kind=selectors.AGING_JOB_KIND, task=fit_scores_age)


def _last_aging_day() -> date | None:
    result = (
        Job.objects.filter(kind=selectors.AGING_JOB_KIND, status=JobStatus.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .values_list("result", flat=True)
        .first()
    )
    return date.fromisoformat(result["day"]) if result and result.get("day") else None


def fit_scores_age(*, job: Job) -> dict:
    """Rescore the accounts whose trigger-event criteria can match differently today than on the day of the
    last run (yesterday without one): a signal came into or left a criterion's window
    (``selectors.accounts_with_aged_signals``). In chunks (a transaction each) with progress; only changed
    scores are written, then the tiers are re-suggested. A second run the same day finds nothing. Call without
    a transaction."""
    tenant = get_current_tenant()
    now = timezone.now()
    today = timezone.localdate(now, workspace_zone())
    with tenant_transaction(tenant):
        criteria = selectors.active_criteria_specs()
        since = _last_aging_day() or today - timedelta(days=1)
        ids = selectors.accounts_with_aged_signals(criteria, since=since, today=today) if since < today else []
    job_services.job_start(job=job, total=len(ids))
    changed = 0
    for start in range(0, len(ids), CHUNK_SIZE):
        with tenant_transaction(tenant):
            accounts = list(Account.objects.filter(pk__in=ids[start : start + CHUNK_SIZE]).order_by("id"))
            facts = selectors.facts_for_rows([_facts_row(account) for account in accounts], criteria, today=today)
            dirty = [
                account
                for account in accounts
                if _apply_score(account, facts[account.pk], criteria, today=today, now=now)
            ]
            accounts_bulk_write(dirty, SCORE_FIELDS)
            if any(account.is_target for account in dirty):
                tiers_resuggest_enqueue()
        changed += len(dirty)
        job_services.job_progress(job=job, done=min(start + CHUNK_SIZE, len(ids)))
    result = {"day": today.isoformat(), "accounts": len(ids), "changed": changed}
    job_services.job_succeed(job=job, result=result)
    return result
