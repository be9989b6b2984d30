"""The reports read the desk's questions and the POS offices: the same fixtures as those
apps' tests."""

from tests.meetings.conftest import (  # noqa: F401 - fixtures
    colleague,
    coordinator,
    desk,
    partner,
    partner_org,
    supporter,
)
from tests.poskantoor.conftest import advance, office  # noqa: F401 - fixtures
