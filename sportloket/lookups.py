"""Integer ``__in`` lookups that leave out numbers no integer column can hold.

Django answers ``pk=<a number beyond the column's range>`` with no rows (its
``IntegerFieldOverflow``), but sends the same number in an ``__in`` list to the database:
SQLite's driver then raises ``OverflowError`` while binding it. Every ``ModelMultipleChoiceField``
looks its choices up with ``pk__in``, so a form or filter given a 20-digit id answered with a
server error instead of "not one of the available choices". Registered for every integer field
(ids included) in ``SportloketConfig.ready``.
"""

from __future__ import annotations

from django.db.models.lookups import In


class IntegerFieldIn(In):
    """``__in`` without the values outside the column's range: no row can have them."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
