from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.page, name="page"),
    path("<int:account_id>/", views.account_page, name="account"),
    path("industries/", views.industries_page, name="industries"),
    path("import/", views.import_start, name="import"),
    path("import/template/", views.import_template, name="import-template"),
    path("import/<int:batch_id>/", views.import_batch, name="import-batch"),
    path("import/<int:batch_id>/dry-run/", views.import_dry_run, name="import-dry-run"),
    path("import/<int:batch_id>/commit/", views.import_commit, name="import-commit"),
    path("import/<int:batch_id>/progress/", views.import_progress, name="import-progress"),
]
