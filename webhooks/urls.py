from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.page, name="page"),
]
