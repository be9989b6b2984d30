"""Forms of a requester's data-subject rights."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RequesterEraseForm(forms.Form):
    """The explicit confirmation the erasure needs; unticked, nothing happens."""

    include_providers = forms.BooleanField(
        label=_("Also erase the contact data of the providers listed above"),
        required=False,
    )
    confirm = forms.BooleanField(
        label=_(
            "I have checked that this is the person who asked, and that nothing needs to be "
            "kept (e.g. a complaint in progress). This cannot be undone."
        ),
        error_messages={"required": _("Tick the confirmation to erase the data.")},
    )
