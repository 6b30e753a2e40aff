"""What plays tell the layers above (webhooks, metrics). Sent inside the write's transaction."""

from django.dispatch import Signal

# A play run finished: completed (its last task closed) or cancelled. ``run``: the PlayRun.
play_run_finished = Signal()
