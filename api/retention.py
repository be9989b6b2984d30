"""The API's part of the retention inventory (``sportloket.retention``), registered from
``ApiConfig.ready``. A token row holds no personal data of its own: a label, a hash and times;
the account it acts as is a link to a user, erased with that user."""

from __future__ import annotations

from sportloket.retention import Holding

INVENTORY: dict[str, Holding] = {
    "api.ApiToken": Holding(
        (), "keep while the organisation uses it; revoked tokens stay as a record of access"
    ),
}
