"""A chart of the dashboard: the rows a metric function answered, drawn by ``static/js/charts.js`` from the
config below (handed over with ``json_script``), shown again as a table and downloaded as CSV. The table and the
CSV are both ``Chart.table``: one list of rows, so they cannot disagree (ADR 0041)."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from accounts.exports import neutralize

from .filters import MetricFilters

KINDS = ("bar", "horizontal-bar", "line", "doughnut")
UNITS = ("count", "ratio", "money")


@dataclass(frozen=True)
class Series:
    key: str  # the row field holding the figure
    label: str
    unit: str = "count"
    chart: bool = True  # False: in the table and the CSV only (e.g. a count beside the amount drawn)


@dataclass
class Chart:
    key: str  # unique on the page: the canvas and its data's element id, and the name of its CSV
    title: str
    kind: str
    rows: list[dict]
    label_key: str  # the row field naming each point (a stage, a band, a day)
    label_title: str
    series: list[Series]
    empty: str  # what to do when there is nothing to draw
    action: tuple[str, str] | None = None  # (link text, address) following ``empty``
    link_key: str | None = None  # the row field holding the address each point links to
    diverging: bool = False  # bars above and below zero in two colours (a change)
    csv_url: str | None = None
    labels: dict = field(default_factory=dict)  # optional display names of the label field's values

    @property
    def data_id(self) -> str:
        return f"chart-data-{self.key}"

    @property
    def has_data(self) -> bool:
        """Whether a drawn series has a figure other than zero or nothing (the table may still have some)."""
        return any(_plain(row.get(series.key)) for row in self.rows for series in self.series if series.chart)

    def point_label(self, row) -> str:
        value = row[self.label_key]
        return str(self.labels.get(value, value))

    @property
    def config(self) -> dict:
        """What charts.js reads: kind, labels, datasets (numbers; None where undefined) and each one's unit;
        the points' links and whether the bars diverge, when they do."""
        config = {
            "kind": self.kind,
            "labels": [self.point_label(row) for row in self.rows],
            "datasets": [
                {
                    "label": series.label,
                    "unit": series.unit,
                    "data": [_plain(row.get(series.key)) for row in self.rows],
                }
                for series in self.series
                if series.chart
            ],
        }
        if self.link_key:
            config["links"] = [row[self.link_key] for row in self.rows]
        if self.diverging:
            config["diverging"] = True
        return config

    @property
    def table(self) -> list[dict]:
        """The rows of the table and the CSV: the label (and its link), then each series' value with its unit."""
        return [
            {
                "label": self.point_label(row),
                "link": row[self.link_key] if self.link_key else None,
                "values": [{"value": row.get(series.key), "unit": series.unit} for series in self.series],
            }
            for row in self.rows
        ]

    def csv(self) -> str:
        """The table as CSV: the same header and rows, values unformatted (ratios as fractions, amounts as
        decimals, nothing as empty)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([self.label_title, *(series.label for series in self.series)])
        for row in self.table:
            writer.writerow([neutralize(row["label"]), *(_cell(cell["value"]) for cell in row["values"])])
        return "\ufeff" + out.getvalue()


def _plain(value):
    if isinstance(value, (Decimal, str)) and value != "":
        return float(value)
    return value


def _cell(value) -> str:
    """Numbers as they are (a negative change is not a formula); text neutralized against formula injection."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return neutralize(value)


def csv_url(tenant_slug: str, key: str, filters: MetricFilters) -> str:
    """The chart's CSV for exactly these filters."""
    query = {name: value for name, value in filters.as_dict().items() if value is not None}
    url = reverse("metrics:chart-csv", kwargs={"tenant_slug": tenant_slug})
    return f"{url}?{urlencode({'chart': key, **query})}"
