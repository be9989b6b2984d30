"""Receivers that keep the subsidies' rollups right when another app removes rows."""

from __future__ import annotations

from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from providers.constants import ProviderKind
from providers.models import Provider

from . import services
from .models import Scheme, SchemeShare


@receiver(pre_delete, sender=Provider, dispatch_uid="subsidies_provider_share_tally")
def provider_deleted(sender, instance: Provider, **kwargs) -> None:
    """A deleted provider's shares go with it (CASCADE): take them off the schemes' counts in
    the deleting transaction, while the rows are still there."""
    services.share_tally_remove_provider(provider_id=instance.pk)


@receiver(pre_delete, sender=Scheme, dispatch_uid="subsidies_scheme_reach_before")
def scheme_deleting(sender, instance: Scheme, **kwargs) -> None:
    """Remember the entrepreneurs this scheme reached: its shares go with it (CASCADE)."""
    instance._reached_provider_ids = list(
        SchemeShare.objects.filter(scheme=instance, provider_kind=ProviderKind.ENTREPRENEUR)
        .order_by("provider_id")
        .values_list("provider_id", flat=True)
    )


@receiver(post_delete, sender=Scheme, dispatch_uid="subsidies_scheme_reach_after")
def scheme_deleted(sender, instance: Scheme, **kwargs) -> None:
    """Those entrepreneurs count as reached only through the shares that are left."""
    services.entrepreneur_reach_rebuild(provider_ids=getattr(instance, "_reached_provider_ids", []))
