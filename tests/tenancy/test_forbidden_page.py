"""A page the member's role does not allow answers 403 in the layout, with navigation, naming the role needed."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_viewer_on_the_import_page_gets_the_layout_and_the_role_needed(client_for, viewer_a):
    response = client_for(viewer_a).get("/t/alpha/accounts/import/")

    html = response.content.decode()
    assert response.status_code == 403
    assert '<header class="topbar">' in html
    assert (
        "This page needs the member role or higher; your role in this workspace is viewer. "
        "A workspace admin can change it."
    ) in html
    assert '<a href="/t/alpha/">Back to Alpha Corp</a>' in html


def test_a_member_on_the_api_keys_page_is_told_it_needs_an_admin(client_for, member_a):
    response = client_for(member_a).get("/t/alpha/settings/api-keys/")

    assert response.status_code == 403
    assert "This page needs the admin role or higher; your role in this workspace is member." in response.text
