"""What planning tells the layers above (webhooks, metrics). Sent inside the write's transaction."""

from django.dispatch import Signal

# A hand-off was accepted or rejected by the receiving AE. ``hand_off``: the HandOff, its ``state`` the decision.
hand_off_decided = Signal()
