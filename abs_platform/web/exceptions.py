from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from abs_platform.tenancy.models import TenantMismatchError


def exception_handler(exc, context):
    """DRF's handler, plus model-level errors reported as 400s instead of 500s."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, TenantMismatchError):
        exc = exceptions.ValidationError({"non_field_errors": ["A referenced object does not exist."]})
    return drf_exception_handler(exc, context)
