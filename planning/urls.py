from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("", views.page, name="page"),
    path("reviews/<int:review_id>/compare/<int:other_id>/", views.review_compare, name="review-compare"),
    path("accounts/<int:account_id>/timeline/", views.account_timeline, name="timeline"),
]
