"""Channels that carry an alert outside the application: e-mail and Web Push."""


class DeliveryError(Exception):
    """The channel failed this time; the job will be retried."""


class RecipientGone(DeliveryError):
    """The recipient no longer exists on this channel (push subscription 404/410): never retry."""


class AmbiguousDelivery(DeliveryError):
    """The channel may have taken the message (no answer after it was handed over): retrying could duplicate it."""
