"""Hand-written list reads that DRF's ordering and cursor pagination and django-filter can drive.

Building and compiling the ORM query of a list page (joins, ``values()`` over twenty columns, the
filters) cost about three times what running it costs (docs/benchmarks.md, ADR 0008). ``RowQuery``
stands in for that queryset on the list endpoints' common shapes: it understands exactly the calls
those libraries make for plain filters, sorting and keyset pages, and nothing more, so an unsupported
call fails loudly instead of answering something different. Tests assert its rows and pages equal
the ORM's.
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


def _beyond_integer_range(model_field: Field, value) -> str | None:
    """``"above"`` or ``"below"`` when ``value`` lies outside the integer column's range on this database (a
    filter value such as ``employees_max=10**22``), else None."""
    target = getattr(model_field, "target_field", model_field)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        low, high = connection.ops.integer_field_range(target.get_internal_type())
    except KeyError:
        return None
    if high is not None and value > high:
        return "above"
    if low is not None and value < low:
        return "below"
    return None


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
    """A read-only, queryset-like page source over ``RowSource``: ``all()``, ``order_by(*names)``,
    ``filter(name__lookup=value)`` (exact, gt, gte, lt, lte, isnull), and slicing (``[start:stop]``, or
    ``[0:]`` for every row) into a list of row dicts (the ORM's ``values(*columns)``). Scoped to the
    current workspace like every selector: an explicit ``tenant_id`` filter on top of row-level security."""

    def __init__(self, source: RowSource, where=(), params=(), ordering=()):
        self.source, self.model = source, source.model
        self._where, self._params, self._ordering = tuple(where), tuple(params), tuple(ordering)

    def all(self):
        return self

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
            side = _beyond_integer_range(model_field, prepared)
            if side is not None:
                # As the ORM answers it, without asking the database (which could not take the value): no row
                # equals it, every row is below a value above the range, none is above it.
                if lookup == "exact" or (side == "above") == (lookup in ("gt", "gte")):
                    where.append("1 = 0")
                continue
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


_MODEL_SQL: dict = {}


def _model_select(model: type[Model]) -> tuple[str, list[str], list[tuple[int, Col, list]]]:
    """``SELECT <every concrete column> FROM <table> r``, the fields' attnames and this database's
    converters (as the ORM applies them when it loads an instance), once per model and database."""
    key = (model, connection.vendor)
    if key not in _MODEL_SQL:
        fields = model._meta.concrete_fields
        columns = ", ".join(f"r.{connection.ops.quote_name(f.column)}" for f in fields)
        _MODEL_SQL[key] = (
            f"SELECT {columns} FROM {connection.ops.quote_name(model._meta.db_table)} r",
            [f.attname for f in fields],
            _converters(fields),
        )
    return _MODEL_SQL[key]


def model_rows(model: type[Model], *, where: str = "", params=(), order_by: str = "", limit: int | None = None):
    """Instances of the tenant-owned ``model`` (every concrete field, loaded as the ORM loads them) by one
    hand-written statement, for small hot reads whose ORM query costs more to build than to run. Scoped to
    the current workspace like ``RowQuery``: ``r.tenant_id = %s`` on top of row-level security, then
    ``where`` (SQL over the table alias ``r``, with ``params``), ``order_by`` and ``limit``."""
    select, attnames, converters = _model_select(model)
    sql = f"{select} WHERE r.tenant_id = %s{f' AND {where}' if where else ''}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [get_current_tenant().pk, *params])
        rows = cursor.fetchall()
    return [model.from_db(connection.alias, attnames, _converted(row, converters)) for row in rows]
