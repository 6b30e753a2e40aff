"""The product's URLs plus ``/bench/bare-accounts/``, the baseline every endpoint is compared with."""

from django.urls import path

from abs_platform.urls import urlpatterns as product_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare-accounts/", views.bare_accounts, name="bench-bare-accounts"),
    *product_urlpatterns,
]
