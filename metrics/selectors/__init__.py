"""Programme metrics, one module per family; each metric is one function taking ``MetricFilters``."""
