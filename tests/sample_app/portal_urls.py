from django.urls import path

from .views import SamplePageView

app_name = "sample"

urlpatterns = [path("", SamplePageView.as_view(), name="index")]
