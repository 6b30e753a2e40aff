"""Reads of offers, play templates and steps."""

from django.db.models import Count, F, Prefetch, QuerySet

from .models import Offer, PlayStep, PlayTemplate


def offer_list() -> QuerySet[Offer]:
    return Offer.objects.prefetch_related("personas")


def play_template_list() -> QuerySet[PlayTemplate]:
    return PlayTemplate.objects.annotate(steps_count=Count("steps", distinct=True)).prefetch_related(
        "tiers", "personas"
    )


def play_step_list() -> QuerySet[PlayStep]:
    return PlayStep.objects.annotate(offer_name=F("offer__name"), template_name=F("template__name"))


def template_steps(template_ids) -> QuerySet[PlayStep]:
    return play_step_list().filter(template_id__in=template_ids)


def play_templates_with_steps() -> QuerySet[PlayTemplate]:
    return play_template_list().prefetch_related(Prefetch("steps", queryset=play_step_list()))
