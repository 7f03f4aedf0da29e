from django.urls import path

from . import views

app_name = "formstats"

urlpatterns = [
    path("", views.TemplateListView.as_view(), name="list"),
    path("<int:pk>/", views.AnalyticsView.as_view(), name="detail"),
    path("<int:pk>/export.csv", views.ExportCsvView.as_view(), name="export_csv"),
    path("<int:pk>/export.xlsx", views.ExportXlsxView.as_view(), name="export_xlsx"),
]
