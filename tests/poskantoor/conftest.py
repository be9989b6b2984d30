import datetime as dt

import pytest

from poskantoor.selectors import open_step

from .factories import make_office


@pytest.fixture
def office(db):
    """Utrecht's office, registered (step 1 done) on 31 January 2026."""
    return make_office()


@pytest.fixture
def advance():
    """Complete steps in order: ``advance(office, ("2a", date), ("2b", date), ...)``."""
    from poskantoor import services
    from poskantoor.constants import Decision, StepCode

    def do(office, *steps, by=None, today=dt.date(2030, 1, 1)):
        for code, on in steps:
            services.step_complete(
                step=open_step(office=office, code=code),
                on=on,
                by=by,
                decision=Decision.GO if code == StepCode.KARTREKKERS else "",
                today=today,
            )
        office.refresh_from_db()
        return office

    return do
