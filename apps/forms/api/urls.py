"""Tenant API of forms: /api/v1/reports/forms/ (included with the prefix "reports/", in "tenant-api")."""

from django.urls import path

from . import views

urlpatterns = [
    path("forms/", views.FormTemplateListView.as_view(), name="form-list"),
    path("forms/submissions/", views.SubmissionListView.as_view(), name="form-submission-list"),
    path("forms/submissions/drafts/", views.SubmissionDraftListView.as_view(), name="form-submission-drafts"),
    path("forms/submissions/<int:pk>/", views.SubmissionDetailView.as_view(), name="form-submission-detail"),
    path("forms/submissions/<int:pk>/submit/", views.SubmissionSubmitView.as_view(), name="form-submission-submit"),
    path("forms/submissions/<int:pk>/review/", views.SubmissionReviewView.as_view(), name="form-submission-review"),
    path("forms/submissions/<int:pk>/files/", views.SubmissionFileListView.as_view(), name="form-submission-files"),
    path("forms/submissions/<int:pk>/files/<int:file_pk>/", views.SubmissionFileView.as_view(),
         name="form-submission-file"),
    path("forms/submissions/<int:pk>/comments/", views.SubmissionCommentListView.as_view(),
         name="form-submission-comments"),
    path("forms/<int:pk>/", views.FormTemplateDetailView.as_view(), name="form-detail"),
    path("forms/<int:pk>/schema/", views.FormSchemaView.as_view(), name="form-schema"),
    path("forms/<int:pk>/publish/", views.FormPublishView.as_view(), name="form-publish"),
    path("forms/<int:pk>/archive/", views.FormArchiveView.as_view(), name="form-archive"),
    path("forms/<int:pk>/versions/", views.FormVersionListView.as_view(), name="form-versions"),
    path("forms/<int:pk>/versions/<int:number>/", views.FormVersionDetailView.as_view(), name="form-version"),
]  # fmt: skip
