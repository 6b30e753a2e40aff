"""A hand-written read the account page still uses (``accounts.selectors.account_for_page``, ADR 0008):
``RowQuery`` answers plain filters, sorting and slices over a ``RowSource``, and fails loudly on
anything else.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Field, Model
from django.db.models.expressions import Col

from .context import get_current_tenant

COMPARISONS = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
LOOKUPS = {*COMPARISONS, "isnull"}


def _converters(model_fields) -> list[tuple[int, Col, list]]:
    """``[(column index, column, functions)]``: the database conversions the ORM applies to these fields'
    values on this database (SQLite's dates, times and decimals, JSON text), for the columns that have any."""
    found = []
    for index, model_field in enumerate(model_fields):
        column = Col("r", model_field)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            found.append((index, column, functions))
    return found


def _converted(row, converters) -> tuple | list:
    """``row`` with ``_converters``' functions applied to its values."""
    if not converters:
        return row
    row = list(row)
    for index, column, functions in converters:
        for function in functions:
            row[index] = function(row[index], column, connection)
    return row


@dataclass(frozen=True)
class RowSource:
    """What a ``RowQuery`` reads. ``from_sql`` names the main table ``r``; ``columns`` maps each output key
    to its SQL and the model field whose database conversions apply (as ``values()`` would);
    ``fields`` maps each filterable or sortable name to its SQL and the field that prepares its values."""

    model: type[Model]
    from_sql: str
    columns: dict[str, tuple[str, Field]]
    fields: dict[str, tuple[str, Field]]
    _converters: dict = field(default_factory=dict, compare=False)

    def converters(self) -> list[tuple[int, list]]:
        """``[(column index, converters)]`` of this database (SQLite's dates, times and decimals; none on
        PostgreSQL for these columns)."""
        vendor = connection.vendor
        if vendor not in self._converters:
            self._converters[vendor] = _converters(model_field for _sql, model_field in self.columns.values())
        return self._converters[vendor]


class RowQuery:
    """A read-only, queryset-like source over ``RowSource``: ``order_by(*names)``,
    ``filter(name__lookup=value)`` (exact, gt, gte, lt, lte, isnull), and slicing (``[start:stop]``, or
    ``[0:]`` for every row) into a list of row dicts (the ORM's ``values(*columns)``). Scoped to the
    current workspace like every selector: an explicit ``tenant_id`` filter on top of row-level security."""

    def __init__(self, source: RowSource, where=(), params=(), ordering=()):
        self.source, self.model = source, source.model
        self._where, self._params, self._ordering = tuple(where), tuple(params), tuple(ordering)

    def order_by(self, *names):
        return RowQuery(self.source, self._where, self._params, [self._order_term(name) for name in names])

    def filter(self, **lookups):
        where, params = list(self._where), list(self._params)
        for key, value in lookups.items():
            name, _, lookup = key.rpartition("__")
            if lookup not in LOOKUPS:
                name, lookup = key, "exact"
            sql, model_field = self._field(name)
            if lookup == "isnull" or value is None:
                is_null = value if lookup == "isnull" else True
                where.append(f"{sql} IS {'' if is_null else 'NOT '}NULL")
                continue
            prepared = model_field.get_db_prep_value(model_field.get_prep_value(value), connection, prepared=True)
            where.append(f"{sql} {COMPARISONS[lookup]} %s")
            params.append(prepared)
        return RowQuery(self.source, where, params, self._ordering)

    def __getitem__(self, page: slice) -> list[dict]:
        if not isinstance(page, slice) or page.step is not None or page.start is None:
            raise TypeError("RowQuery answers slices [start:stop] and [0:] (every row) only.")
        offset = int(page.start)
        if page.stop is None and offset:
            raise TypeError("RowQuery answers slices [start:stop] and [0:] (every row) only.")
        where = " AND ".join(("r.tenant_id = %s", *self._where))
        order = f" ORDER BY {', '.join(self._ordering)}" if self._ordering else ""
        window = "" if page.stop is None else f" LIMIT {int(page.stop) - offset} OFFSET {offset}"
        sql = (
            f"SELECT {', '.join(sql for sql, _field in self.source.columns.values())} FROM {self.source.from_sql} "
            f"WHERE {where}{order}{window}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [get_current_tenant().pk, *self._params])
            rows = cursor.fetchall()
        return self._as_dicts(rows)

    def _as_dicts(self, rows) -> list[dict]:
        keys, converters = list(self.source.columns), self.source.converters()
        return [dict(zip(keys, _converted(row, converters), strict=True)) for row in rows]

    def _field(self, name: str) -> tuple[str, Field]:
        try:
            return self.source.fields[name]
        except KeyError:
            raise TypeError(f"RowQuery cannot filter or sort by {name!r}.") from None

    def _order_term(self, name: str) -> str:
        sql, _field = self._field(name.lstrip("-"))
        return f"{sql} {'DESC' if name.startswith('-') else 'ASC'}"
