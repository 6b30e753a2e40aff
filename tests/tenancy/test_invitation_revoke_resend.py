"""Open invitations can be revoked (the link dies at once) and sent again (a fresh link; the old one dies)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from abs_platform.tenancy.models import Invitation, Membership, Role

pytestmark = pytest.mark.django_db

MEMBERS = "/t/alpha/settings/members/"
JOIN = {
    "username": "newbie",
    "first_name": "New",
    "last_name": "Person",
    "password1": "a-long-unusual-pass-42",
    "password2": "a-long-unusual-pass-42",
}


@pytest.fixture
def invite(client_for, django_capture_on_commit_callbacks):
    """``invite(by, role)``: send an invitation to new@example.com; returns it and the path of its link."""

    def send(by, role=Role.MEMBER):
        with django_capture_on_commit_callbacks(execute=True):
            client_for(by).post(MEMBERS, {"email": "new@example.com", "role": role})
        return Invitation.objects.get(), last_link()

    return send


def last_link() -> str:
    link = next(word for word in mail.outbox[-1].body.split() if "/invitations/" in word)
    return link.split("testserver", 1)[1]


def test_a_revoked_invitation_shows_that_it_was_revoked_and_joins_nobody(client, client_for, admin_a, invite):
    invitation, link = invite(admin_a)

    revoked = client_for(admin_a).post(f"/t/alpha/settings/invitations/{invitation.pk}/revoke/")

    assert revoked.status_code == 302
    assert list(client_for(admin_a).get(MEMBERS).context["invitations"]) == []
    client.logout()
    page = client.get(link)
    assert page.status_code == 410
    assert "This invitation was revoked" in page.content.decode()
    assert client.post(link, JOIN).status_code == 410
    assert not Membership.objects.filter(user__username="newbie").exists()


def test_resending_mails_a_fresh_link_and_the_old_one_stops_working(
    client, client_for, admin_a, owner_a, invite, django_capture_on_commit_callbacks
):
    invitation, old_link = invite(admin_a)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        resent = client_for(owner_a).post(f"/t/alpha/settings/invitations/{invitation.pk}/resend/")

    assert resent.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["new@example.com"]
    new_link = last_link()
    assert new_link != old_link
    fresh = Invitation.objects.get()
    assert fresh.expires_at > timezone.now() + timedelta(days=13)
    assert fresh.invited_by == owner_a
    assert "owner_a invited you" in mail.outbox[1].body
    client.logout()
    assert client.get(old_link).status_code == 404
    assert client.post(old_link, JOIN).status_code == 404
    joined = client.post(new_link, JOIN)
    assert joined["Location"] == "/t/alpha/accounts/"
    assert Membership.objects.get(user__username="newbie").role == Role.MEMBER


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_only_those_allowed_to_invite_may_resend_or_revoke(client_for, admin_a, owner_a, member_a, invite, action):
    invitation, _ = invite(admin_a)
    owner_invitation = Invitation.objects.create(
        tenant=invitation.tenant,
        email="boss@example.com",
        role=Role.OWNER,
        hashed_token="0" * 64,
        invited_by=owner_a,
        expires_at=invitation.expires_at,
    )

    by_member = client_for(member_a).post(f"/t/alpha/settings/invitations/{invitation.pk}/{action}/")
    by_admin = client_for(admin_a).post(f"/t/alpha/settings/invitations/{owner_invitation.pk}/{action}/")

    assert by_member.status_code == 403
    assert by_admin.status_code == 403
    assert "Only owners grant, change or remove the owner role." in by_admin.content.decode()
    assert len(mail.outbox) == 1
    assert list(Invitation.objects.order_by("pk").values_list("hashed_token", "revoked_at")) == [
        (invitation.hashed_token, None),
        ("0" * 64, None),
    ]
