"""Globex's forms for the isolation matrix (tests/isolation_world.py): a published template whose name and
fields carry the canary, a submission with answers, a photo and a comment that carry it; acme's people must
neither see nor act on them by id (the API, the portal pages and the file downloads)."""

import uuid
from importlib import import_module
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

# Read at run time: a static import would pull tests/isolation_world.py into `mypy apps`.
CANARY: str = import_module("tests.isolation_world").CANARY

SEGMENTS = {
    ("forms", "pk"): "form_template_id",
    ("submissions", "pk"): "form_submission_id",
    ("files", "file_pk"): "form_submission_file_id",
    ("versions", "number"): "form_version_number",
}


def build(world: Any) -> None:
    from apps.forms.models import FormField, FormTemplate, FormVersion, Submission, SubmissionComment, SubmissionFile

    schema, keep, subject = world.globex.schema_name, world.keep, world.users["globex_subject"]
    now = timezone.now()
    fields = [{"key": "canary", "label": f"Canary {CANARY}", "type": "text", "required": True, "help_text": "",
               "config": {}}]  # fmt: skip
    schema_json = {"sections": [{"title": f"Section {CANARY}", "fields": fields}]}
    template = keep(schema, FormTemplate.objects.create(name=f"Form {CANARY}", description=CANARY,
                                                        draft_schema=schema_json))  # fmt: skip
    version = keep(schema, FormVersion.objects.create(template=template, number=1, schema=schema_json,
                                                      published_at=now))  # fmt: skip
    keep(schema, FormField.objects.create(version=version, key="canary", label=f"Canary {CANARY}", type="text",
                                          section=f"Section {CANARY}", position=0, required=True))  # fmt: skip
    FormTemplate.objects.filter(pk=template.pk).update(status="published", current_version=version)
    submission = keep(schema, Submission.objects.create(
        template=template, version=version, person=subject, client_id=uuid.uuid4(), status="submitted",
        answers={"canary": CANARY}, submitted_at=now,
    ))  # fmt: skip
    keep(schema, SubmissionComment.objects.create(submission=submission, author=subject, body=f"Note {CANARY}"))
    file = SubmissionFile(submission=submission, field_key="canary", kind="photo", name=f"{CANARY}.jpg",
                          content_type="image/jpeg", size=20, sha256="0" * 64)  # fmt: skip
    file.file.save("matrix.jpg", ContentFile(b"\xff\xd8\xff" + CANARY.encode()), save=False)
    file.save()
    keep(schema, file)
    world.values["form_template_id"] = (template.pk, True)
    world.values["form_submission_id"] = (submission.pk, True)
    world.values["form_submission_file_id"] = (file.pk, True)
    world.values["form_version_number"] = (1, True)
