"""A chart of the dashboard: the rows a metric function answered, drawn by ``static/js/charts.js`` from the
config below (handed over with ``json_script``) and shown again as a table; its CSV is the metric endpoint's
``?format=csv`` with the same filters."""

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

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
    key: str  # unique on the page: the canvas and its data's element id
    title: str
    kind: str
    rows: list[dict]
    label_key: str  # the row field naming each point (a stage, a band, a day)
    label_title: str
    series: list[Series]
    csv_url: str | None = None
    caption: str = ""
    labels: dict = field(default_factory=dict)  # optional display names of the label field's values

    @property
    def data_id(self) -> str:
        return f"chart-data-{self.key}"

    @property
    def has_data(self) -> bool:
        return any(row.get(series.key) for row in self.rows for series in self.series)

    def point_label(self, row) -> str:
        value = row[self.label_key]
        return str(self.labels.get(value, value))

    @property
    def config(self) -> dict:
        """What charts.js reads: kind, labels, datasets (numbers; None where undefined) and each one's unit."""
        return {
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

    @property
    def table(self) -> list[dict]:
        """The same rows for the table: the label, then each series' value with its unit."""
        return [
            {
                "label": self.point_label(row),
                "values": [{"value": row.get(series.key), "unit": series.unit} for series in self.series],
            }
            for row in self.rows
        ]


def _plain(value):
    if isinstance(value, (Decimal, str)) and value != "":
        return float(value)
    return value


def csv_url(tenant_slug: str, metric_basename: str, filters: MetricFilters) -> str:
    """The metric endpoint's CSV for exactly these filters (the browser's mount of the API)."""
    query = {key: value for key, value in filters.as_dict().items() if value is not None}
    url = reverse(f"browser-api:metric-{metric_basename}-list", kwargs={"tenant_slug": tenant_slug})
    return f"{url}?{urlencode({**query, 'format': 'csv'})}"
