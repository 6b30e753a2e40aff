"""Demo playbook: offers, five play templates (acquisition for Tier 1, nurture for Tier 3, an ad hoc play on a
funding signal, onboarding, QBR), a trigger rule, and runs in flight on a few target accounts, so the demo
users find play tasks in "My day"."""

from datetime import timedelta

from django.utils import timezone

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from accounts.models import Account, ActivityChannel
from icp.models import Tier
from personas.models import Persona
from teams.models import TeamRole

from . import services
from .launching import LaunchRefused, play_launch
from .models import PlayTemplate, TriggerRule

AE, SDR, MARKETER, CSM = (
    TeamRole.ACCOUNT_EXECUTIVE,
    TeamRole.SDR,
    TeamRole.MARKETER,
    TeamRole.CUSTOMER_SUCCESS,
)
E, PHONE, SOCIAL, MEETING, MAIL = (
    ActivityChannel.EMAIL,
    ActivityChannel.PHONE,
    ActivityChannel.SOCIAL,
    ActivityChannel.MEETING,
    ActivityChannel.DIRECT_MAIL,
)

OFFERS = [
    ("Industry benchmark report", "report", "low", "persona", "awareness"),
    ("Custom ROI analysis", "custom_report", "high", "buyer", "decision"),
    ("Executive roundtable", "workshop", "high", "account", "consideration"),
    ("Product demo", "demo", "medium", "account", "decision"),
    ("Welcome call", "welcome_call", "low", "account", "onboarding"),
    ("Quarterly business review", "qbr", "medium", "account", "expansion"),
    ("Monthly insights e-mail", "email", "low", "persona", "awareness"),
]

GREETING = "Hi {{ contact.first_name }},\n\n"
SIGNATURE = "\n\nBest,\n{{ sender.full_name }}"

# (name, kind, tier rank or None, buying roles, steps: (day, channel, role, offer, name, message))
PLAYS = [
    (
        "Tier 1 acquisition",
        "acquisition",
        1,
        ["decision_maker", "economic_buyer", "champion"],
        [
            (
                0,
                E,
                SDR,
                "Industry benchmark report",
                "Send the benchmark report",
                GREETING + "our benchmark of {{ account.industry }} teams may interest you as {{ persona.name }} "
                "at {{ account.name }}." + SIGNATURE,
            ),
            (2, PHONE, SDR, None, "Follow-up call", ""),
            (5, SOCIAL, AE, None, "Connect on LinkedIn", ""),
            (
                8,
                E,
                AE,
                "Executive roundtable",
                "Invite to the roundtable",
                GREETING + "would you join our executive roundtable next month?" + SIGNATURE,
            ),
        ],
    ),
    (
        "Tier 3 nurture",
        "nurture",
        3,
        [],
        [
            (
                0,
                E,
                MARKETER,
                "Monthly insights e-mail",
                "Monthly insights",
                GREETING + "this month's insights for {{ account.name }}." + SIGNATURE,
            ),
            (
                20,
                E,
                MARKETER,
                "Industry benchmark report",
                "Benchmark follow-up",
                GREETING + "the benchmark report is out." + SIGNATURE,
            ),
        ],
    ),
    (
        "Funding round congratulations",
        "ad_hoc",
        None,
        ["economic_buyer", "decision_maker"],
        [
            (
                0,
                E,
                AE,
                "Custom ROI analysis",
                "Congratulate and offer an ROI analysis",
                GREETING + "congratulations on the funding of {{ account.name }}! As you plan the next stage, a "
                "custom ROI analysis could help." + SIGNATURE,
            ),
            (3, PHONE, AE, None, "Call about growth plans", ""),
        ],
    ),
    (
        "Customer onboarding",
        "onboarding",
        None,
        [],
        [
            (0, PHONE, CSM, "Welcome call", "Welcome call", ""),
            (7, MEETING, CSM, None, "Training session", ""),
        ],
    ),
    (
        "Quarterly business review",
        "qbr",
        None,
        ["decision_maker", "economic_buyer"],
        [
            (
                0,
                E,
                CSM,
                "Quarterly business review",
                "Schedule the QBR",
                GREETING + "shall we schedule the quarterly review for {{ account.name }}?" + SIGNATURE,
            ),
            (10, MEETING, AE, "Quarterly business review", "Hold the QBR", ""),
        ],
    ),
]


def load_demo(tenant, *, runs: int) -> None:
    """The playbook, and ``runs`` accounts of the first tier with the acquisition play running (none twice)."""
    with tenant_context(tenant), tenant_transaction(tenant):
        if PlayTemplate.objects.exists():
            return
        personas = list(Persona.objects.order_by("name")[:3])
        offers = {}
        for name, offer_format, effort, personalization, stage in OFFERS:
            offers[name] = services.offer_create(
                name=name,
                offer_format=offer_format,
                effort=effort,
                personalization=personalization,
                lifecycle_stage=stage,
                personas=personas if personalization == "persona" else [],
            )
        templates = {}
        for name, kind, tier_rank, roles, steps in PLAYS:
            tiers = list(Tier.objects.filter(rank=tier_rank)) if tier_rank else []
            template = services.play_template_create(name=name, kind=kind, tiers=tiers, buying_roles=roles)
            for position, (day, channel, role, offer, step_name, message) in enumerate(steps, start=1):
                services.play_step_create(
                    template=template,
                    position=position,
                    name=step_name,
                    day_offset=day,
                    channel=channel,
                    team_role=role,
                    offer=offers.get(offer),
                    message=message,
                )
            templates[name] = template
        TriggerRule.objects.create(signal_type="funding", template=templates["Funding round congratulations"])
        accounts = Account.objects.filter(is_target=True, tier__rank=1, contacts__isnull=False).distinct()
        started = timezone.now() - timedelta(days=2)
        for account in accounts.order_by("name")[:runs]:
            try:
                play_launch(template=templates["Tier 1 acquisition"], accounts=[account], proceed=True, now=started)
            except LaunchRefused:
                continue
