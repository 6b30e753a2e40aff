"""The bare Django project's URLs: the bare view alone (``bench.settings_bare``)."""

from django.urls import path

from . import views

urlpatterns = [path("bench/bare-accounts/", views.bare_accounts, name="bench-bare-accounts")]
