"""What happened to accounts and their data, for the apps above to act on (scoring in ``icp``, matching and
committee coverage in ``personas``); ``accounts`` imports neither (ADR 0013).

Plain Django signals, sent by the services, the admin and the importer inside the write's transaction, once
per write. Receivers run at once, in that transaction: derived data the write returns (a contact's persona,
an account's fit score) is set before the response, and follow-up work is queued with
``transaction.on_commit`` by the receivers, so nothing runs for a write that rolls back.
The sender is always the model class.
"""

from django.dispatch import Signal

# Contacts about to be validated and saved, or planned by an import's dry run: receivers may set derived
# fields (the persona) in place. ``contacts``: a list of Contact instances.
contacts_saving = Signal()

# Contacts created, changed, moved or deleted (after the write). ``account_ids``: the accounts whose contacts
# changed (for a move, the one it left too).
contacts_changed = Signal()

# One account created or changed. ``account``: the saved instance (receivers may update derived fields on it);
# ``created``: bool; ``changed``: the names of the fields whose values changed (every given field on create).
account_changed = Signal()

# One account deleted. ``account``: the instance with its values as they were.
account_deleted = Signal()

# Many accounts written at once. ``account_ids``: list of ids; ``fields``: the names of the changed fields,
# or None when any field may have changed (an import). Also sent for tier changes: a tier set by hand and
# icp's bulk writes of scores and tiers (``icp.services.accounts_bulk_write``).
accounts_changed = Signal()

# A signal (a trigger event) created, changed or deleted. ``instance``: the Signal (Django's own ``signal``
# argument names the event); ``account_ids``: the accounts whose signals changed (the one it is on and the one
# it left); ``changed``: the names of the fields whose values changed (every field on create, none on delete).
signal_changed = Signal()

# Technologies in use added, moved or removed. ``account_ids``: the accounts whose technologies changed.
account_technologies_changed = Signal()

# A catalogue technology deleted. ``technology``: the instance; ``in_use``: whether accounts used it
# (their links went with it).
technology_deleted = Signal()

# Accounts whose effective tier changed (set by hand, cleared, or re-suggested by icp). ``changes``: a list of
# ``(account id, previous tier id, tier id)``, tier ids None for no tier; one event per write, for all its accounts.
account_tiers_changed = Signal()

# A deal's stage changed. ``opportunity``: the saved instance; ``previous_stage``: its stage before.
opportunity_stage_changed = Signal()
