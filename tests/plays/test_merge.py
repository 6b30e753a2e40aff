import pytest
from django.core.exceptions import ValidationError

from plays.merge import compile_message, merge_values, render_message
from tests.factories import AccountFactory, ContactFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_renders_every_group_verbatim_without_html_escaping(tenant_a):
    persona = PersonaFactory(tenant=tenant_a, name="Finance & Ops")
    account = AccountFactory(tenant=tenant_a, name="O'Brien & <Sons>", domain="obrien.com", industry="Retail")
    contact = ContactFactory(
        tenant=tenant_a, account=account, first_name="Zoë", last_name="<b>Bold</b>", persona=persona
    )
    sender = UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.com")
    text = (
        "Hi {{ contact.first_name }} {{ contact.last_name }}, {{ account.name }} ({{ account.domain }}) "
        "in {{ account.industry }} as {{ persona.name }}. {{ sender.full_name }} <{{ sender.email }}>"
    )

    message = render_message(text, merge_values(account=account, contact=contact, sender=sender))

    assert message == (
        "Hi Zoë <b>Bold</b>, O'Brien & <Sons> (obrien.com) in Retail as Finance & Ops. Ann Lee <ann@example.com>"
    )


def test_missing_contact_and_sender_render_empty(tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Acme")
    values = merge_values(account=account)
    assert render_message(
        "Hi {{ contact.first_name }}{{ persona.name }}{{ sender.full_name }} at {{ account.name }}", values
    ) == ("Hi  at Acme")


def test_sender_without_a_name_is_named_by_username(tenant_a):
    account = AccountFactory(tenant=tenant_a)
    sender = UserFactory(username="sam", first_name="", last_name="")
    assert render_message("{{ sender.full_name }}", merge_values(account=account, sender=sender)) == "sam"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Hi {{ contact.nickname }}", "Unknown merge field {{ contact.nickname }}."),
        (
            "{{ account }} and {{ account.owner.password }}",
            "Unknown merge field {{ account }}, {{ account.owner.password }}.",
        ),
        (
            "{{ contact.first_name|upper }}",
            "Only merge fields such as {{ contact.first_name }} are allowed: Invalid filter: 'upper'",
        ),
        ("{% if x %}y{% endif %}", "Only merge fields such as {{ contact.first_name }} are allowed:"),
    ],
)
def test_unknown_fields_tags_and_filters_are_refused(text, error):
    with pytest.raises(ValidationError) as raised:
        compile_message(text)
    assert raised.value.messages[0].startswith(error)


def test_plain_text_and_comments_are_fine():
    assert compile_message("No fields {# a note #} here").render(
        __import__("django.template").template.Context({})
    ) == ("No fields  here")
