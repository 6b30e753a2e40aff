"""Fit scores and suggested tiers follow the changes ``accounts`` announces (``accounts.events``, ADR 0013).

One account's score is recomputed at once, in the write's transaction, so the write returns it; tier
re-suggestion and bulk recomputation are queued for after the commit by the services called here.
"""

from django.dispatch import receiver

from accounts import events

from . import services
from .models import CriterionKind


@receiver(events.account_changed)
def rescore_account(sender, *, account, created, changed, **kwargs):
    services.fit_score_recompute_account(account=account)
    if not created and "is_target" in changed and account.fit_score is not None:
        services.tiers_resuggest_enqueue()  # joins or leaves the ranking of target accounts


@receiver(events.account_deleted)
def resuggest_tiers_without(sender, *, account, **kwargs):
    if account.is_target and account.fit_score is not None:
        services.tiers_resuggest_enqueue()


@receiver(events.accounts_changed)
def rescore_many(sender, *, account_ids, fields, **kwargs):
    if fields is None:
        services.fit_recompute_enqueue_for()  # one bulk job with progress, not per account
        return
    if "status" in fields:
        services.fit_recompute_enqueue_for(kinds={CriterionKind.EXISTING_CUSTOMER})
    if "industry" in fields:  # an industry renamed or merged
        services.fit_recompute_enqueue_for(kinds={CriterionKind.INDUSTRY})
    if "is_target" in fields:
        services.tiers_resuggest_enqueue()  # once for the whole selection: the targets are what tiers rank


@receiver(events.signal_changed)
def rescore_signal_accounts(sender, *, account_ids, **kwargs):
    services.fit_scores_recompute_accounts(account_ids=account_ids)  # trigger-event criteria


@receiver(events.account_technologies_changed)
def rescore_technology_accounts(sender, *, account_ids, **kwargs):
    services.fit_scores_recompute_accounts(account_ids=account_ids)


@receiver(events.technology_deleted)
def rescore_technology_users(sender, *, in_use, **kwargs):
    if in_use:
        services.fit_recompute_enqueue_for(kinds={CriterionKind.TECHNOLOGY})
