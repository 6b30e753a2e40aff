"""The Contacts page, under /t/<slug>/contacts/ (contacts belong to the accounts app)."""

from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.contacts_page, name="page"),
    path("account-options/", views.account_options, name="account-options"),
]
