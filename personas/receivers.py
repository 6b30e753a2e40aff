"""Contacts are matched to personas as ``accounts`` saves them (``accounts.events``, ADR 0013)."""

from django.dispatch import receiver

from accounts import events

from .services import contacts_match_personas


@receiver(events.contacts_saving)
def match_personas(sender, *, contacts, **kwargs):
    contacts_match_personas(contacts)
