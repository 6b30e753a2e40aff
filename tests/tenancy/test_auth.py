import pytest
from django.core import mail

from tests.conftest import as_tenant
from tests.factories import AccountFactory, MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db


def test_log_in_and_land_in_the_only_workspace(client, member_a):
    page = client.get("/auth/login/")
    assert page.status_code == 200
    response = client.post("/auth/login/", {"username": "member_a", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get(response["Location"]).headers["Location"] == "/t/alpha/accounts/"


def test_wrong_password_is_refused(client, member_a):
    response = client.post("/auth/login/", {"username": "member_a", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_member_of_two_workspaces_picks_and_switches(client_for, member_a):
    other = TenantFactory(name="Zulu Ltd", slug="zulu")
    MembershipFactory(tenant=other, user=member_a)
    client = client_for(member_a)
    picker = client.get("/").content.decode()
    assert 'href="/t/alpha/"' in picker
    assert 'href="/t/zulu/"' in picker
    header = client.get("/t/alpha/accounts/").content.decode()
    assert 'href="/t/zulu/"' in header


def test_the_next_log_in_lands_in_the_workspace_opened_last(client, member_a):
    other = TenantFactory(name="Zulu Ltd", slug="zulu")
    MembershipFactory(tenant=other, user=member_a)
    credentials = {"username": "member_a", "password": "correct-horse-battery"}

    client.post("/auth/login/", credentials)
    first_landing = client.get("/")
    client.get("/t/alpha/accounts/")
    client.get("/t/zulu/accounts/")
    client.get("/t/zulu/contacts/")
    client.post("/auth/logout/")
    client.post("/auth/login/", credentials)
    second_landing = client.get("/")

    assert first_landing.status_code == 200  # never opened one: the picker
    assert (second_landing.status_code, second_landing["Location"]) == (302, "/t/zulu/accounts/")


def test_log_out(client_for, member_a):
    client = client_for(member_a)
    assert client.post("/auth/logout/").status_code == 302
    assert client.get("/t/alpha/accounts/").status_code == 302


def test_password_reset_sends_a_working_link(client, member_a):
    response = client.post("/auth/password_reset/", {"email": "member_a@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(word for word in mail.outbox[0].body.split() if "/auth/reset/" in word)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-pass-77", "new_password2": "a-brand-new-pass-77"},
    )
    assert done.status_code == 302
    signed_in = client.post("/auth/login/", {"username": "member_a", "password": "a-brand-new-pass-77"})
    assert signed_in.status_code == 302


def test_admin_shows_the_audit_history_of_an_account(client, tenant_a, member_a):
    from tests.factories import UserFactory

    account = AccountFactory(tenant=tenant_a, name="Acme")
    with as_tenant(tenant_a, member_a):
        account.name = "Acme Group"
        account.save()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    html = client.get(f"/admin/accounts/account/{account.pk}/history/").content.decode()
    assert "Acme Group" in html
    assert "member_a" in html
