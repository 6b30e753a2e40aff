from django.urls import path

from . import views

app_name = "plays"

urlpatterns = [
    path("", views.page, name="page"),
    path("runs/<int:run_id>/", views.run_page, name="run"),
]
