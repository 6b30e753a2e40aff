"""Contacts are matched to personas as ``accounts`` saves them, and each account's stored committee coverage
follows the writes that change it (``accounts.events``, ADR 0013, ADR 0037)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts import events
from accounts.models import Account
from icp.models import Tier

from .coverage import coverage_store, coverage_store_ids
from .services import contacts_match_personas


@receiver(events.contacts_saving)
def match_personas(sender, *, contacts, **kwargs):
    contacts_match_personas(contacts)


@receiver(events.contacts_changed)
def recount_contact_accounts(sender, *, account_ids, **kwargs):
    coverage_store_ids(account_ids)


@receiver(events.account_changed)
def recount_account(sender, *, account, changed, **kwargs):
    if "tier" in changed:
        coverage_store_ids([account.pk])


@receiver(events.accounts_changed)
def recount_accounts(sender, *, account_ids, fields, **kwargs):
    if fields is None or "tier" in fields:  # an import may set tiers
        coverage_store_ids(account_ids)


@receiver(post_delete, sender=Tier)
def recount_accounts_without_tier(sender, **kwargs):
    """The tier's accounts were let go of (``SET_NULL``) and its requirements deleted with it."""
    coverage_store(Account.objects.filter(tier__isnull=True, coverage_required__gt=0))
