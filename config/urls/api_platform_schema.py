from django.urls import include, path

urlpatterns = [path("api/platform/", include("config.urls.api_platform"))]
