"""Portal pages (URL names used by apps/portal/navigation.py)."""

from django.urls import path

from . import views

app_name = "branding"
urlpatterns = [
    path("", views.BrandingEditView.as_view(), name="edit"),
    path("user-type/<str:user_type>/", views.BrandingUserTypeEditView.as_view(), name="user_type_edit"),
    path("entity/", views.BrandingEntityPickView.as_view(), name="entity_pick"),
    path("entity/<int:pk>/", views.BrandingEntityEditView.as_view(), name="entity_edit"),
    path("<int:pk>/remove/", views.BrandingClearView.as_view(), name="clear"),
    path("asset/<int:pk>/<str:kind>/", views.BrandingAssetView.as_view(), name="asset"),
]
