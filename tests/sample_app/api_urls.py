from django.urls import path

from .views import SampleApiView

app_name = "sample-api"

urlpatterns = [path("sample/", SampleApiView.as_view(), name="sample")]
