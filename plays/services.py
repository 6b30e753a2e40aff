"""Writes to offers, play templates and their steps."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import KEEP, given

from .models import Offer, PlayStep, PlayTemplate, TriggerRule

OFFER_NAME_TAKEN = "An offer with this name already exists."
TEMPLATE_NAME_TAKEN = "A play template with this name already exists."
TRIGGER_RULE_TAKEN = "A rule for this signal type and play already exists."
TEMPLATE_HAS_RUNS = "This play has been launched: its runs keep it. Stop using it instead of deleting it."


def _check_name_free(model, name: str, *, exclude_pk, message: str) -> str:
    name = name.strip()
    if model.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": [message]})
    return name


def _save(instance, fields: dict, m2m: dict):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(validate_constraints=False)
    instance.save()
    for name, value in m2m.items():
        getattr(instance, name).set(value, through_defaults={"tenant": instance.tenant})
    return instance


@transaction.atomic
def offer_create(*, name: str, offer_format: str, personas=(), **fields) -> Offer:
    name = _check_name_free(Offer, name, exclude_pk=None, message=OFFER_NAME_TAKEN)
    return _save(Offer(name=name, offer_format=offer_format), fields, {"personas": personas})


@transaction.atomic
def offer_update(*, offer: Offer, personas=KEEP, **fields) -> Offer:
    if "name" in fields:
        fields["name"] = _check_name_free(Offer, fields["name"], exclude_pk=offer.pk, message=OFFER_NAME_TAKEN)
    return _save(offer, fields, given(personas=personas))


@transaction.atomic
def offer_delete(*, offer: Offer) -> None:
    offer.delete()


@transaction.atomic
def play_template_create(*, name: str, kind: str, tiers=(), personas=(), **fields) -> PlayTemplate:
    name = _check_name_free(PlayTemplate, name, exclude_pk=None, message=TEMPLATE_NAME_TAKEN)
    return _save(PlayTemplate(name=name, kind=kind), fields, {"tiers": tiers, "personas": personas})


@transaction.atomic
def play_template_update(*, template: PlayTemplate, tiers=KEEP, personas=KEEP, **fields) -> PlayTemplate:
    if "name" in fields:
        fields["name"] = _check_name_free(
            PlayTemplate, fields["name"], exclude_pk=template.pk, message=TEMPLATE_NAME_TAKEN
        )
    return _save(template, fields, given(tiers=tiers, personas=personas))


@transaction.atomic
def play_template_delete(*, template: PlayTemplate) -> None:
    if template.runs.exists():
        raise ValidationError(TEMPLATE_HAS_RUNS)
    template.delete()


def _next_version(template: PlayTemplate) -> None:
    """Runs keep the steps they were launched with; the template's next launches take the new version."""
    locked = PlayTemplate.objects.select_for_update().get(pk=template.pk)
    locked.version += 1
    locked.save()
    template.version = locked.version


def _check_step(step: PlayStep) -> None:
    step.full_clean(validate_constraints=False)


@transaction.atomic
def play_step_create(*, template: PlayTemplate, name: str, channel: str, team_role: str, **fields) -> PlayStep:
    if "position" not in fields:
        fields["position"] = template.steps.count() + 1
    step = PlayStep(template=template, name=name, channel=channel, team_role=team_role, **fields)
    _check_step(step)
    step.save()
    _next_version(template)
    return step


@transaction.atomic
def play_step_update(*, step: PlayStep, **fields) -> PlayStep:
    for name, value in fields.items():
        setattr(step, name, value)
    _check_step(step)
    step.save()
    _next_version(step.template)
    return step


@transaction.atomic
def play_step_delete(*, step: PlayStep) -> None:
    template = step.template
    step.delete()
    _next_version(template)


def trigger_rule_taken(signal_type: str, template, *, exclude_pk=None) -> bool:
    return TriggerRule.objects.filter(signal_type=signal_type, template=template).exclude(pk=exclude_pk).exists()


@transaction.atomic
def trigger_rule_save(rule: TriggerRule, **fields) -> TriggerRule:
    for name, value in fields.items():
        setattr(rule, name, value)
    if trigger_rule_taken(rule.signal_type, rule.template, exclude_pk=rule.pk):
        raise ValidationError(TRIGGER_RULE_TAKEN)
    rule.full_clean(validate_constraints=False)
    rule.save()
    return rule


@transaction.atomic
def trigger_rule_delete(*, rule: TriggerRule) -> None:
    rule.delete()
