"""Demo forms for Acme (seed_demo, after the workplaces and people): the "Store visit" form (shelf share %,
prices seen, facings, display compliant yes/no with the reason when not, photos 1 to 3, the store manager's
signature, a rating, and the shelf value computed from facings * price), published and assigned to Acme's
sites, and a month of visits across the sites and the field people: bulk-created (already submitted, most
approved, a few rejected), with their history rows in one INSERT … SELECT and the analytics told once through
`forms.submissions_bulk_created`. Idempotent: the form is found by name, and visits are made once.

The visits have pictures: a few small generated JPEGs of a shelf and a PNG signature, stored once each through
Django's storage API (`forms/<schema>/demo/`) and shared by every visit's file rows (one bulk insert), so the
portal shows them without a month of uploads. Visits seeded before the pictures existed get theirs on the next
run; the files of submitted visits are never removed, so sharing them is safe."""

import contextlib
import datetime
import hashlib
import io
import random
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image, ImageDraw

from apps.accounts.models import User
from apps.audit.history import history_bulk_record
from apps.catalogue.selectors import plan_solution_codes, tenant_plan
from apps.solutions.services import solution_access_ensure
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import FileKind, FormTemplate, Submission, SubmissionFile, SubmissionStatus, TemplateStatus
from .services import submissions_bulk_created, template_create, template_publish

NAME = "Store visit"
FIELD_PEOPLE = ("sam@acme.localhost", "sara@acme.localhost", "sue@acme.localhost", "oliver@acme.localhost")
REVIEWER = "manager@acme.localhost"
DAYS = 30
SHELF_COLOURS = ((196, 62, 48), (46, 110, 180), (236, 178, 44))  # the products on three demo shelves
SCHEMA = {"sections": [
    {"title": "Shelf", "fields": [
        {"key": "shelf_share", "label": "Shelf share", "type": "number", "required": True,
         "help_text": "Our facings as a share of the category's.", "config": {"unit": "%", "min": 0, "max": 100}},
        {"key": "facings", "label": "Facings", "type": "number", "required": True,
         "config": {"min": 0, "max": 500, "integer": True}},
        {"key": "price", "label": "Price seen", "type": "number", "required": True,
         "config": {"unit": "AUD", "min": 0, "max": 1000}},
        {"key": "competitor_price", "label": "Competitor's price", "type": "number",
         "config": {"unit": "AUD", "min": 0}},
        {"key": "shelf_value", "label": "Shelf value", "type": "computed",
         "config": {"formula": "facings * price", "unit": "AUD", "decimals": 2}},
    ]},
    {"title": "Display", "fields": [
        {"key": "display_compliant", "label": "Display compliant", "type": "single_choice", "required": True,
         "config": {"options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]}},
        {"key": "issues", "label": "What is wrong", "type": "multiple_choice", "required": True,
         "config": {"options": [{"value": "out_of_stock", "label": "Out of stock"},
                                {"value": "wrong_place", "label": "Wrong place"},
                                {"value": "no_price_tag", "label": "No price tag"},
                                {"value": "damaged", "label": "Damaged display"}],
                    "condition": {"field": "display_compliant", "equals": "no"}}},
    ]},
    {"title": "Evidence", "fields": [
        {"key": "photos", "label": "Shelf photos", "type": "photo", "required": True,
         "config": {"min_photos": 1, "max_photos": 3}},
        {"key": "signature", "label": "Store manager's signature", "type": "signature", "required": True},
        {"key": "rating", "label": "Overall impression", "type": "rating", "config": {"scale": 5}},
        {"key": "notes", "label": "Notes", "type": "text", "config": {"max_length": 1000}},
    ]},
]}  # fmt: skip


def store_visit_ensure(*, acting_user: Any = None) -> FormTemplate:
    template = FormTemplate.objects.filter(name=NAME).first()
    if template is None:
        sites = list(Workplace.objects.filter(kind="site", is_active=True))
        template = template_create(name=NAME, schema=SCHEMA, workplaces=sites, acting_user=acting_user,
                                   description="A merchandiser's visit: the shelf, the display, photos and the "
                                               "store manager's signature.")  # fmt: skip
    if template.status == TemplateStatus.DRAFT:
        template_publish(template=template, acting_user=acting_user)
        template.refresh_from_db()
    return template


def _answers(rng: random.Random) -> dict[str, Any]:
    facings, price = rng.randint(4, 30), round(rng.uniform(2.5, 9.5), 2)
    compliant = "yes" if rng.random() < 0.8 else "no"
    answers: dict[str, Any] = {
        "shelf_share": round(rng.uniform(15, 55), 1), "facings": facings, "price": price,
        "competitor_price": round(price * rng.uniform(0.85, 1.2), 2), "shelf_value": round(facings * price, 2),
        "display_compliant": compliant, "rating": rng.randint(2, 5),
    }  # fmt: skip
    if compliant == "no":
        answers["issues"] = rng.sample(["out_of_stock", "wrong_place", "no_price_tag", "damaged"], rng.randint(1, 2))
    return answers


def _shelf_jpeg(colour: tuple[int, int, int]) -> bytes:
    """A 240x160 picture of three shelves of packs in `colour` (a few kB)."""
    image = Image.new("RGB", (240, 160), (232, 228, 220))
    draw = ImageDraw.Draw(image)
    for shelf in range(3):
        top = 12 + shelf * 50
        for pack in range(9):
            shade = tuple(max(0, c - 18 * (pack % 3)) for c in colour)
            draw.rectangle((10 + pack * 25, top, 30 + pack * 25, top + 34), fill=shade)
        draw.rectangle((4, top + 36, 236, top + 42), fill=(120, 96, 72))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _signature_png() -> bytes:
    image = Image.new("RGB", (200, 60), (255, 255, 255))
    ImageDraw.Draw(image).line([(12, 40), (40, 14), (58, 44), (86, 18), (110, 42), (150, 22), (188, 36)],
                               fill=(20, 30, 90), width=3)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _demo_file(name: str, content: bytes) -> tuple[str, str, int]:
    """(stored name, sha256, size) of a demo picture, stored once per schema (found again by its name)."""
    path = f"forms/{getattr(connection, 'schema_name', 'public')}/demo/{name}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(content))
    return path, hashlib.sha256(content).hexdigest(), len(content)


def demo_files_attach(template: FormTemplate) -> int:
    """Give the template's sent visits that have no files a shelf photo and a signature; returns how many
    visits got them (0 when all have theirs). Two queries and one insert, whatever the number of visits."""
    missing = list(Submission.objects.filter(template=template).exclude(status=SubmissionStatus.DRAFT)
                   .filter(files__isnull=True).values_list("pk", flat=True))  # fmt: skip
    if not missing:
        return 0
    photos = [_demo_file(f"shelf-{n}.jpg", _shelf_jpeg(colour)) for n, colour in enumerate(SHELF_COLOURS, 1)]
    signature = _demo_file("signature.png", _signature_png())
    rows = []
    for pk in missing:
        path, digest, size = photos[pk % len(photos)]
        rows.append(SubmissionFile(submission_id=pk, field_key="photos", kind=FileKind.PHOTO, file=path,
                                   name="shelf.jpg", content_type="image/jpeg", size=size, sha256=digest))  # fmt: skip
        path, digest, size = signature
        rows.append(SubmissionFile(submission_id=pk, field_key="signature", kind=FileKind.SIGNATURE, file=path,
                                   name="signature.png", content_type="image/png", size=size,
                                   sha256=digest))  # fmt: skip
    SubmissionFile.objects.bulk_create(rows, batch_size=1000)
    return len(missing)


@transaction.atomic
def forms_demo_seed() -> int:
    """In the current tenant's schema; returns how many visits were created."""
    admin = User.objects.filter(email="admin@acme.localhost").first()
    people = list(User.objects.filter(email__in=FIELD_PEOPLE).order_by("email"))
    reviewer = User.objects.filter(email=REVIEWER).first()
    with contextlib.suppress(ValidationError):  # a catalogue without the solution: the form is made all the same
        solution_access_ensure(solution_code="reports", users=[*people, *([reviewer] if reviewer else [])],
                               reason="Demo: forms")  # fmt: skip
    template = store_visit_ensure(acting_user=admin)
    sites = list(template.workplaces.all()) or list(Workplace.objects.filter(kind="site"))
    if not people or not sites or Submission.objects.filter(template=template).exists():
        demo_files_attach(template)  # visits seeded before they had pictures
        return 0
    rng = random.Random(17)  # noqa: S311 - demo data, not secrets
    version, now = template.current_version, timezone.now()
    rows = []
    for day in range(DAYS, 0, -1):
        for site in sites:
            for person in rng.sample(people, min(len(people), 2)):
                at = now - datetime.timedelta(days=day, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
                status = rng.choices(["approved", "submitted", "rejected"], weights=[80, 15, 5])[0]
                reviewed = status != SubmissionStatus.SUBMITTED
                rows.append(Submission(
                    template=template, version=version, person=person, workplace=site, client_id=uuid.uuid4(),
                    status=status, answers=_answers(rng), submitted_at=at,
                    reviewed_at=at + datetime.timedelta(hours=3) if reviewed else None,
                    reviewed_by=reviewer if reviewed else None,
                    review_note="Photos too dark to read the price tags." if status == "rejected" else "",
                ))  # fmt: skip
    created = Submission.objects.bulk_create(rows, batch_size=500)
    ids = [row.pk for row in created]
    history_bulk_record(Submission, ids)
    demo_files_attach(template)  # before the analytics count the photo fields
    submissions_bulk_created(ids)
    return len(ids)


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None or "reports" not in plan_solution_codes(tenant_plan(acme)):
        return
    with tenant_context(acme):
        created = forms_demo_seed()
    if stdout is not None:
        stdout.write(f"  Forms:        Acme: the Store visit form, {created} visits over the last {DAYS} days\n")
