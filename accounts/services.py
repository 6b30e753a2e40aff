"""Writes to target accounts. Each runs in a transaction and validates like the admin does."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from abs_platform.tenancy.context import get_current_tenant

from .models import DUPLICATE_DOMAIN_MESSAGE, Account


def _save_validated(account: Account) -> Account:
    # The domain constraint is checked hierarchy-aware in Account.clean().
    account.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as error:
        if "account_domain_unique_per_tenant" in str(error) or "UNIQUE constraint failed" in str(error):
            raise ValidationError({"domain": [DUPLICATE_DOMAIN_MESSAGE]}) from None
        raise
    return account


@transaction.atomic
def account_create(**fields) -> Account:
    return _save_validated(Account(tenant=get_current_tenant(), **fields))


@transaction.atomic
def account_update(*, account: Account, **fields) -> Account:
    for name, value in fields.items():
        setattr(account, name, value)
    return _save_validated(account)


@transaction.atomic
def account_delete(*, account: Account) -> None:
    account.delete()
