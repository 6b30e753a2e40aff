from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("", views.tenant_home, name="home"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<int:membership_id>/", views.membership_update, name="membership-update"),
    path("settings/invitations/<int:invitation_id>/resend/", views.invitation_resend, name="invitation-resend"),
    path("settings/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("settings/api-keys/", views.api_keys, name="api-keys"),
    path("settings/api-keys/<int:api_key_id>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
