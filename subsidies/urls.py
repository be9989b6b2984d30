from django.urls import path

from . import views

app_name = "subsidies"

urlpatterns = [
    path("subsidies/regelingen/", views.SchemeListView.as_view(), name="scheme_list"),
    path("subsidies/regelingen/nieuw/", views.SchemeFormView.as_view(), name="scheme_create"),
    path("subsidies/regelingen/<int:pk>/", views.SchemeDetailView.as_view(), name="scheme_detail"),
    path(
        "subsidies/regelingen/<int:pk>/bewerken/",
        views.SchemeFormView.as_view(),
        name="scheme_update",
    ),
    path("subsidies/aanbieders/", views.ProviderListView.as_view(), name="provider_list"),
    path(
        "subsidies/aanbieders/<int:pk>/",
        views.ProviderMatchView.as_view(),
        name="provider_matches",
    ),
    path("subsidies/budgetten/", views.BudgetListView.as_view(), name="budget_list"),
    path("subsidies/budgetten/<int:pk>/", views.BudgetDetailView.as_view(), name="budget_detail"),
    path(
        "subsidies/budgetten/<int:pk>/bewerken/",
        views.BudgetUpdateView.as_view(),
        name="budget_update",
    ),
    path(
        "subsidies/toekenningen/<int:pk>/intrekken/",
        views.AllocationWithdrawView.as_view(),
        name="allocation_withdraw",
    ),
    path(
        "subsidies/transparantie/",
        views.TransparencyIndexView.as_view(),
        name="transparency_index",
    ),
    path(
        "subsidies/transparantie/<int:desk>/<int:year>/",
        views.TransparencyView.as_view(),
        name="transparency",
    ),
    path("subsidies/afmelden/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
