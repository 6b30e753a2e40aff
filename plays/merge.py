"""Merge fields of play-step messages: ``{{ contact.first_name }}`` and the like, rendered by Django's template
engine with no tags and no filters, over plain strings only, so a message can read the listed fields and
nothing else. Messages are plain-text e-mails and call scripts: values go in verbatim, not HTML-escaped
(pages show the rendered message through their own escaping templates)."""

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import VariableNode

MERGE_FIELDS = {
    "account": ("name", "domain", "industry", "website", "headquarters"),
    "contact": ("first_name", "last_name", "full_name", "title", "department", "email"),
    "persona": ("name",),
    "sender": ("first_name", "last_name", "full_name", "email"),
}
ALLOWED = frozenset(f"{group}.{name}" for group, names in MERGE_FIELDS.items() for name in names)


class MergeEngine(Engine):
    default_builtins = []  # no tags, no filters: variables only


ENGINE = MergeEngine(autoescape=False)


def compile_message(text: str) -> Template:
    """The message as a template; a ValidationError names each unknown merge field (or the syntax error)."""
    try:
        template = Template(text, engine=ENGINE)
    except TemplateSyntaxError as error:
        raise ValidationError(f"Only merge fields such as {{{{ contact.first_name }}}} are allowed: {error}") from None
    unknown = []
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        variable = node.filter_expression.var
        name = ".".join(variable.lookups) if getattr(variable, "lookups", None) else str(variable)
        if name not in ALLOWED and name not in unknown:
            unknown.append(name)
    if unknown:
        raise ValidationError(
            "Unknown merge field %(fields)s. Use: %(allowed)s.",
            params={
                "fields": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "allowed": ", ".join(sorted(ALLOWED)),
            },
        )
    return template


def _full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def merge_values(*, account, contact=None, sender=None) -> dict:
    """The values of every merge field, as plain strings (empty where there is no contact, persona or sender)."""
    persona = getattr(contact, "persona", None) if contact is not None else None
    return {
        "account": {name: str(getattr(account, name) or "") for name in MERGE_FIELDS["account"]},
        "contact": {
            "first_name": contact.first_name if contact else "",
            "last_name": contact.last_name if contact else "",
            "full_name": _full_name(contact.first_name, contact.last_name) if contact else "",
            "title": contact.title if contact else "",
            "department": contact.department if contact else "",
            "email": contact.email if contact else "",
        },
        "persona": {"name": persona.name if persona else ""},
        "sender": {
            "first_name": sender.first_name if sender else "",
            "last_name": sender.last_name if sender else "",
            "full_name": (_full_name(sender.first_name, sender.last_name) or sender.username) if sender else "",
            "email": sender.email if sender else "",
        },
    }


def render_message(text: str, values: dict) -> str:
    return compile_message(text).render(Context(values, autoescape=False))
