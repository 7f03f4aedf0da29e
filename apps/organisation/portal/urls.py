"""Portal pages (URL names used by apps/portal/navigation.py)."""

from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    path("", views.EntityListView.as_view(), name="entity_list"),
    path("new/", views.EntityCreateView.as_view(), name="entity_create"),
    path("types/", views.EntityTypesView.as_view(), name="entity_types"),
    path("types/<slug:code>/", views.EntityTypeEditView.as_view(), name="entity_type_edit"),
    path("types/<slug:code>/delete/", views.EntityTypeDeleteView.as_view(), name="entity_type_delete"),
    path("people/", views.PeopleListView.as_view(), name="people_list"),
    path("people/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("people/<uuid:uuid>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<uuid:uuid>/edit/", views.PersonEditView.as_view(), name="person_edit"),
    path("people/<uuid:uuid>/entities/", views.PersonMembershipAddView.as_view(), name="person_membership_add"),
    path(
        "people/<uuid:uuid>/entities/<int:pk>/remove/",
        views.PersonMembershipRemoveView.as_view(),
        name="person_membership_remove",
    ),
    path("people/<uuid:uuid>/entities/<int:pk>/primary/", views.PersonPrimaryView.as_view(), name="person_primary"),
    path("people/<uuid:uuid>/skills/", views.PersonSkillAddView.as_view(), name="person_skill_add"),
    path("people/<uuid:uuid>/skills/<int:pk>/", views.PersonSkillUpdateView.as_view(), name="person_skill_update"),
    path(
        "people/<uuid:uuid>/skills/<int:pk>/remove/", views.PersonSkillRemoveView.as_view(), name="person_skill_remove"
    ),
    path(
        "people/<uuid:uuid>/certifications/",
        views.PersonCertificationAddView.as_view(),
        name="person_certification_add",
    ),
    path(
        "people/<uuid:uuid>/certifications/<int:pk>/remove/",
        views.PersonCertificationRemoveView.as_view(),
        name="person_certification_remove",
    ),
    path("people/<uuid:uuid>/preferences/", views.PersonPreferencesView.as_view(), name="person_preferences"),
    path("<uuid:uuid>/", views.EntityDetailView.as_view(), name="entity_detail"),
    path("<uuid:uuid>/edit/", views.EntityEditView.as_view(), name="entity_edit"),
    path("<uuid:uuid>/move/", views.EntityMoveView.as_view(), name="entity_move"),
    path("<uuid:uuid>/status/", views.EntityStatusView.as_view(), name="entity_status"),
    path("<uuid:uuid>/delete/", views.EntityDeleteView.as_view(), name="entity_delete"),
]
