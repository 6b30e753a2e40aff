"""The metrics API: one read-only endpoint per metric under ``/api/v1/metrics/``, JSON or CSV."""
