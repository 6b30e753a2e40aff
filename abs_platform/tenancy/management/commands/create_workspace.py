"""``manage.py create_workspace``: a workspace, its owner and an API key in one go, for scripted set-ups."""

import json
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from abs_platform.tenancy import services
from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.models import ApiKeyScope


class Command(BaseCommand):
    help = (
        "Create a workspace with its owner (an existing user, or a new one) and, unless --no-api-key, an API key. "
        "Prints the key once; with --json, everything as one JSON object."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The workspace's name.")
        parser.add_argument(
            "--slug", default="", help="Its address /t/<slug>/ (default: from the name, numbered when taken)."
        )
        parser.add_argument("--currency", default="USD", help="ISO 4217 code (default USD).")
        parser.add_argument("--time-zone", default="UTC", help="IANA time zone, e.g. Europe/Berlin (default UTC).")
        parser.add_argument("--owner", required=True, help="User name of the owner; created if it does not exist.")
        parser.add_argument("--owner-email", default="", help="E-mail of a new owner.")
        parser.add_argument(
            "--owner-password",
            default="",
            help="Password of a new owner (default: a random one, printed). Ignored for an existing user.",
        )
        parser.add_argument("--api-key-name", default="Set-up key", help="Name of the API key.")
        parser.add_argument(
            "--api-key-scope", default=ApiKeyScope.READ_WRITE, choices=ApiKeyScope.values, help="Default read_write."
        )
        parser.add_argument("--no-api-key", action="store_true", help="Create no API key.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                owner, password = self._owner(options)
                tenant = services.tenant_create(
                    name=options["name"],
                    owner=owner,
                    slug=options["slug"],
                    currency=options["currency"],
                    time_zone=options["time_zone"],
                )
                raw_key = None
                if not options["no_api_key"]:
                    with tenant_context(tenant, owner):
                        _, raw_key = services.api_key_create(
                            name=options["api_key_name"], scope=options["api_key_scope"], created_by=owner
                        )
        except ValidationError as error:
            raise CommandError(_describe(error)) from None
        result = {"workspace": tenant.slug, "owner": owner.username, "owner_password": password, "api_key": raw_key}
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(self.style.SUCCESS(f"Workspace “{tenant.name}” created: /t/{tenant.slug}/"))
        self.stdout.write(f"Owner: {owner.username}" + (f" (password: {password})" if password else " (existing user)"))
        if raw_key:
            self.stdout.write(f"API key (shown once): {raw_key}")

    def _owner(self, options):
        User = get_user_model()
        existing = User.objects.filter(username=options["owner"]).first()
        if existing is not None:
            return existing, None
        password = options["owner_password"] or secrets.token_urlsafe(12)
        user = User(username=options["owner"], email=options["owner_email"])
        user.set_password(password)
        user.full_clean()
        user.save()
        return user, password


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)
