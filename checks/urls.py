from django.urls import path

from . import views

app_name = "checks"

urlpatterns = [
    path("", views.page, name="page"),
    path("jobs/<int:job_id>/", views.job_progress, name="job"),
]
