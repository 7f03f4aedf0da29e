"""Invoices: period issue (idempotent), numbering without gaps under concurrency, pay, void, refund, render."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit.models import AuditEvent
from apps.billing.invoices import (
    invoice_issue_for_period,
    invoice_mark_paid,
    invoice_mark_uncollectible,
    invoice_number_allocate,
    invoice_refund,
    invoice_render_html,
    invoice_void,
)
from apps.billing.models import Invoice, Payment
from apps.billing.tests.conftest import DEC_1, NOV_1
from apps.core.models import NumberSeries
from apps.tenancy.models import Tenant
from tests.utils import run_on_own_connections

D = Decimal


def _issue(subscription, **kwargs):
    return invoice_issue_for_period(subscription=subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1,
                                    **kwargs)  # fmt: skip


def _actions(tenant) -> list[str]:
    return list(AuditEvent.objects.filter(chain=str(tenant.pk)).values_list("action", flat=True))


def test_period_invoice_for_3_seats_of_starter_in_au_is_147_00_plus_gst_14_70(make_subscription, acme_au):
    sub = make_subscription(acme_au, quantity=3)
    invoice, created = _issue(sub)
    assert created and invoice.status == "open" and invoice.number.startswith("INV-")
    assert invoice.idempotency_key == f"sub:{sub.pk}:period:2026-11-01T00:00:00+00:00"
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (D("147.00"), D("14.70"), D("161.70"))
    assert (invoice.tax_name, invoice.tax_number_label, invoice.billing_email) == ("GST", "ABN", "billing@acme.test")
    assert invoice.due_at == NOV_1 + timedelta(days=7)
    [line] = invoice.lines.all()
    assert (line.kind, line.quantity, line.unit_amount, line.amount, line.tax_amount) == (
        "plan", D("3"), D("49.00"), D("147.00"), D("14.70"))  # fmt: skip
    assert "billing.invoice_issued" in _actions(acme_au)


def test_period_invoice_in_gb_has_inclusive_vat_8_17_in_49_00(make_subscription, acme, gb_country, plan_factory):
    acme.country = "GB"
    acme.save(update_fields=["country"])
    sub = make_subscription(acme, plan=plan_factory("gb", currency="GBP", price_monthly=D("49.00")))
    invoice, _ = _issue(sub)
    assert (invoice.subtotal, invoice.tax_total, invoice.total, invoice.tax_inclusive) == (
        D("40.83"), D("8.17"), D("49.00"), True)  # fmt: skip


def test_issuing_the_same_period_twice_returns_the_same_invoice_and_uses_no_new_number(acme_subscription):
    first, created = _issue(acme_subscription)
    next_number = NumberSeries.objects.get(key="INV").next_number
    again, created_again = _issue(acme_subscription)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert NumberSeries.objects.get(key="INV").next_number == next_number
    assert Invoice.objects.filter(subscription=acme_subscription).count() == 1


def test_a_free_plan_invoice_of_zero_is_paid_at_once(make_subscription, acme_au, plan_factory):
    invoice, _ = _issue(make_subscription(acme_au, plan=plan_factory("free", price_monthly=D("0"))))
    assert (invoice.status, invoice.total, invoice.paid_at) == ("paid", D("0.00"), NOV_1)


def test_numbers_are_sequential_and_a_rolled_back_allocation_is_given_back(db):
    series = f"T{uuid.uuid4().hex[:8]}"
    first = invoice_number_allocate(series)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_number_allocate(series)
        raise RuntimeError
    assert first == (1, f"{series}-000001")
    assert invoice_number_allocate(series) == (2, f"{series}-000002")


@pytest.mark.django_db
def test_two_workers_numbering_concurrently_get_no_duplicate_and_no_gap():
    """Each worker thread has its own connection and commits; the series is private and removed afterwards."""
    series, per_worker = f"C{uuid.uuid4().hex[:8]}", 15
    tenant_id = Tenant.objects.get(slug="acme").pk
    results: dict[str, list[int]] = {"a": [], "b": []}

    def worker(name: str) -> None:
        for n in range(per_worker):
            with transaction.atomic():
                sequence_number, number = invoice_number_allocate(series)
                Invoice.objects.create(
                    tenant_id=tenant_id, series=series, sequence_number=sequence_number, number=number,
                    status="open", idempotency_key=f"{series}:{name}:{n}",
                )  # fmt: skip
            results[name].append(sequence_number)

    run_on_own_connections(lambda: worker("a"), lambda: worker("b"), cleanup=lambda: _series_remove(series))
    allocated = results["a"] + results["b"]
    assert len(set(allocated)) == len(allocated) == 2 * per_worker
    assert sorted(allocated) == list(range(1, 2 * per_worker + 1))
    assert results["a"] == sorted(results["a"]) and results["b"] == sorted(results["b"])


def _series_remove(series: str) -> None:
    Invoice.history.filter(series=series).delete()
    Invoice.objects.filter(series=series).delete()
    NumberSeries.objects.filter(key=series).delete()


@pytest.mark.django_db
def test_batch_number_blocks_and_single_numbers_interleave_without_duplicate_or_gap():
    """The billing run's batches take blocks (number_block_allocate) while other writers take single
    numbers, in parallel; a block whose batch rolls back gives its numbers back."""
    from apps.billing.batch import number_block_allocate

    series = f"B{uuid.uuid4().hex[:8]}"
    tenant_id = Tenant.objects.get(slug="acme").pk
    results: dict[str, list[int]] = {"a": [], "b": []}

    def issue(name: str, numbers: list[int], prefix: str, fail: bool = False) -> None:
        with transaction.atomic():
            for offset, sequence_number in enumerate(numbers):
                Invoice.objects.create(
                    tenant_id=tenant_id, series=series, sequence_number=sequence_number,
                    number=f"{prefix}-{sequence_number:06d}", status="open",
                    idempotency_key=f"{series}:{name}:{sequence_number}:{offset}",
                )  # fmt: skip
            if fail:
                raise RuntimeError("batch rolled back")

    def blocks() -> None:
        for round_ in range(6):
            try:
                with transaction.atomic():
                    first, prefix = number_block_allocate(5, series)
                    numbers = list(range(first, first + 5))
                    issue("a", numbers, prefix, fail=round_ == 2)
                results["a"] += numbers
            except RuntimeError:
                pass

    def singles() -> None:
        for _ in range(12):
            with transaction.atomic():
                sequence_number, number = invoice_number_allocate(series)
                issue("b", [sequence_number], number.split("-")[0])
            results["b"].append(sequence_number)

    run_on_own_connections(blocks, singles, cleanup=lambda: _series_remove(series))
    allocated = results["a"] + results["b"]
    assert len(results["a"]) == 25 and len(results["b"]) == 12  # one block of 5 was rolled back
    assert sorted(allocated) == list(range(1, 25 + 12 + 1))  # no duplicate, no gap


def _payment(invoice, amount=None, currency=None) -> Payment:
    return Payment.objects.create(tenant=invoice.tenant, invoice=invoice, amount=amount or invoice.total,
                                  currency=currency or invoice.currency, status="succeeded", provider="manual",
                                  idempotency_key=f"pay:{uuid.uuid4()}")  # fmt: skip


def test_mark_paid_is_idempotent_and_refuses_another_currency(acme_subscription):
    invoice, _ = _issue(acme_subscription)
    with pytest.raises(ValidationError) as error:
        invoice_mark_paid(invoice=invoice, payment=_payment(invoice, currency="USD"))
    assert error.value.error_dict["currency"][0].code == "currency_mismatch"
    Payment.objects.filter(invoice=invoice).delete()
    payment = _payment(invoice)
    paid = invoice_mark_paid(invoice=invoice, payment=payment, now=NOV_1)
    assert (paid.status, paid.amount_paid, paid.paid_at) == ("paid", D("53.90"), NOV_1)
    assert invoice_mark_paid(invoice=invoice, payment=payment).amount_paid == D("53.90")
    assert _actions(acme_subscription.tenant).count("billing.invoice_paid") == 1


def test_void_keeps_the_number_and_issues_a_credit_note_for_the_total(acme_subscription, platform_superuser):
    invoice, _ = _issue(acme_subscription)
    note = invoice_void(invoice=invoice, acting_user=platform_superuser, reason="Issued in error")
    invoice.refresh_from_db()
    assert invoice.status == "void" and invoice.number and invoice.voided_at
    assert (note.amount, note.tax_amount, note.currency, note.number[:3]) == (D("49.00"), D("4.90"), "AUD", "CN-")
    assert "billing.invoice_voided" in _actions(acme_subscription.tenant)
    with pytest.raises(ValidationError) as error:
        invoice_void(invoice=invoice, acting_user=platform_superuser, reason="again")
    assert error.value.error_dict["invoice"][0].code == "invoice_not_voidable"


def test_void_needs_a_reason(acme_subscription, platform_superuser):
    invoice, _ = _issue(acme_subscription)
    with pytest.raises(ValidationError) as error:
        invoice_void(invoice=invoice, acting_user=platform_superuser, reason=" ")
    assert error.value.error_dict["reason"][0].code == "required"
    invoice.refresh_from_db()
    assert invoice.status == "open"


def test_refund_part_of_a_paid_invoice_splits_tax_and_refuses_negative_or_too_much(
    acme_subscription, platform_superuser
):
    invoice, _ = _issue(acme_subscription)
    payment = _payment(invoice)
    invoice_mark_paid(invoice=invoice, payment=payment)
    for amount, code in (
        (D("-5.00"), "amount_negative"),
        (D("0"), "amount_invalid"),
        (D("60.00"), "refund_exceeds_paid"),
    ):
        with pytest.raises(ValidationError) as error:
            invoice_refund(invoice=invoice, amount=amount, acting_user=platform_superuser, reason="Goodwill")
        assert error.value.error_dict["amount"][0].code == code
    assert not invoice.credit_notes.exists()
    note = invoice_refund(invoice=invoice, amount=D("11.00"), acting_user=platform_superuser, reason="Goodwill")
    assert (note.amount, note.tax_amount, note.refund_payment) == (D("10.00"), D("1.00"), payment)
    invoice_refund(invoice=invoice, amount=D("42.90"), acting_user=platform_superuser, reason="Closed")
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert _actions(acme_subscription.tenant).count("billing.invoice_refunded") == 2


def test_refund_of_an_unpaid_invoice_is_refused(acme_subscription, platform_superuser):
    invoice, _ = _issue(acme_subscription)
    with pytest.raises(ValidationError) as error:
        invoice_refund(invoice=invoice, amount=D("1.00"), acting_user=platform_superuser, reason="x")
    assert error.value.error_dict["invoice"][0].code == "invoice_not_paid"


def test_mark_uncollectible_only_from_open(acme_subscription, platform_superuser):
    invoice, _ = _issue(acme_subscription)
    assert invoice_mark_uncollectible(invoice=invoice, acting_user=platform_superuser).status == "uncollectible"
    with pytest.raises(ValidationError):
        invoice_mark_uncollectible(invoice=invoice, acting_user=platform_superuser)


def test_rendered_invoice_shows_number_lines_tax_per_line_and_totals(acme_subscription):
    invoice, _ = _issue(acme_subscription)
    html = invoice_render_html(invoice)
    for text in (invoice.number, "Acme", "GST", "ABN", "49.00", "4.90", "53.90", "Starter"):
        assert text in html
