"""Rule teams follow the account changes ``accounts`` announces (``accounts.events``, ADR 0013) and tiers
being deleted, in the write's transaction (ADR 0025)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts import events
from icp.models import Tier

from . import services


@receiver(events.account_changed)
def apply_rules_to_account(sender, *, account, created, changed, **kwargs):
    if created or services.RULE_FIELDS & set(changed):
        services.team_rules_apply(account_ids=[account.pk])


@receiver(events.accounts_changed)
def apply_rules_to_accounts(sender, *, account_ids, fields, **kwargs):
    if fields is None or services.RULE_FIELDS & set(fields):
        services.team_rules_apply(account_ids=account_ids)


@receiver(post_delete, sender=Tier)
def apply_rules_without_tier(sender, *, instance, **kwargs):
    services.team_rules_apply_all()
