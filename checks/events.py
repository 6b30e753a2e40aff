"""What the checks tell the layers above (webhooks, metrics). Sent inside the check's transaction, once per run."""

from django.dispatch import Signal

# Accounts whose gaps appeared or grew in this run. ``gaps``: {account id: [the new gap kinds]}.
coverage_gaps_opened = Signal()
# Accounts that had a gap before this run and have none now. ``account_ids``: their ids.
coverage_gaps_closed = Signal()
# Records this run marked stale for the first time. ``mark_ids``: the new ``StaleMark`` ids.
records_went_stale = Signal()
