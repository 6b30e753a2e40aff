import factory

from plays.models import Offer, PlayStep, PlayTemplate
from tests.factories import TenantOwnedFactory


class OfferFactory(TenantOwnedFactory):
    class Meta:
        model = Offer

    name = factory.Sequence(lambda n: f"Offer {n}")
    offer_format = "report"


class PlayTemplateFactory(TenantOwnedFactory):
    class Meta:
        model = PlayTemplate

    name = factory.Sequence(lambda n: f"Play {n}")
    kind = "acquisition"
    skip_weekends = False


class PlayStepFactory(TenantOwnedFactory):
    class Meta:
        model = PlayStep

    template = factory.SubFactory(PlayTemplateFactory, tenant=factory.SelfAttribute("..tenant"))
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Step {n}")
    channel = "email"
    team_role = "account_executive"
