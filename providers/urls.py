from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    # Public; /aanmelden/ is printed on flyers and must stay stable.
    path("aanmelden/", views.RegisterView.as_view(), name="register"),
    path(
        "aanmelden/verstuurd/",
        views.RegisterDoneView.as_view(),
        name="register_done",
    ),
    # Formerly the "already registered" page; the answer is the same for everyone now.
    path(
        "aanmelden/bekend/",
        views.RegisterDoneView.as_view(),
        name="register_known",
    ),
    path("aanmelden/bevestigen/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    # Staff
    path("aanbieders/", views.ProviderListView.as_view(), name="list"),
    path("aanbieders/export.csv", views.ProviderExportView.as_view(), name="export"),
    path("aanbieders/nieuw/", views.ProviderFormView.as_view(), name="create"),
    path("aanbieders/importeren/", views.ImportView.as_view(), name="import"),
    path("aanbieders/import/<uuid:pk>/", views.ImportJobView.as_view(), name="import_job"),
    path(
        "aanbieders/import/<uuid:pk>/importeren/",
        views.ImportApplyView.as_view(),
        name="import_apply",
    ),
    path(
        "aanbieders/import/<uuid:pk>/rapport.csv",
        views.ImportReportView.as_view(),
        name="import_report",
    ),
    path("aanbieders/<int:pk>/", views.ProviderDetailView.as_view(), name="detail"),
    path("aanbieders/<int:pk>/bewerken/", views.ProviderFormView.as_view(), name="edit"),
    path("aanbieders/<int:pk>/status/", views.ProviderStatusView.as_view(), name="status"),
    path(
        "aanbieders/<int:pk>/persoonsgegevens/",
        views.PersonalDataExportView.as_view(),
        name="personal_data",
    ),
    path("aanbieders/<int:pk>/wissen/", views.EraseView.as_view(), name="erase"),
]
