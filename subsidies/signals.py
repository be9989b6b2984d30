"""Receivers that keep the subsidies' rollups right when another app removes rows."""

from __future__ import annotations

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from providers.models import Provider

from . import services


@receiver(pre_delete, sender=Provider, dispatch_uid="subsidies_provider_share_tally")
def provider_deleted(sender, instance: Provider, **kwargs) -> None:
    """A deleted provider's shares go with it (CASCADE): take them off the schemes' counts in
    the deleting transaction, while the rows are still there."""
    services.share_tally_remove_provider(provider_id=instance.pk)
