"""The payment file (issue 14): approved payments not yet in a file go into one ISO 20022
pain.001.001.03 credit transfer in NOK that validates against the standard's schema (the XSD that
``sepaxml`` bundles), holds each county's account and amount, is stored with its SHA-256, is
downloaded once, and the bank's confirmation marks its payments paid. ``manage.py payment_file OUT``
writes the same file."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from django.core.management import CommandError, call_command
from django.urls import reverse

from grants import services
from grants.models import Payment, PaymentBatch
from portal.rules import Refused
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants import helpers_payments as hp
from tests.grants.test_allocation_views import cheap_grant

SCHEMA = xmlschema.XMLSchema(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def approved(cast, amount="250000") -> Payment:
    decision = cheap_grant(cast, amount="500000")
    return hp.approved_payment(cast, decision, amount)


def read(batch: PaymentBatch) -> bytes:
    with batch.file.open("rb") as stored:
        return stored.read()


def test_the_file_validates_and_holds_every_account_and_amount(cast):
    first, second = approved(cast, "250000"), approved(cast, "125000.50")

    batch = services.batch_create(actor=f.actor_for(cast.caseworker))

    content = read(batch)
    SCHEMA.validate(content.decode())
    data = SCHEMA.to_dict(content.decode())["CstmrCdtTrfInitn"]
    assert data["GrpHdr"]["NbOfTxs"] == "2" and Decimal(str(data["GrpHdr"]["CtrlSum"])) == Decimal("375000.50")
    transactions = data["PmtInf"][0]["CdtTrfTxInf"]
    accounts = [t["CdtrAcct"]["Id"]["Othr"]["Id"] for t in transactions]
    amounts = [Decimal(str(t["Amt"]["InstdAmt"]["$"])) for t in transactions]
    assert accounts == [hp.ACCOUNT, hp.ACCOUNT]
    assert amounts == [Decimal("250000"), Decimal("125000.50")]
    assert {t["Amt"]["InstdAmt"]["@Ccy"] for t in transactions} == {"NOK"}
    assert [t["PmtId"]["EndToEndId"] for t in transactions] == [first.reference, second.reference]
    assert batch.sha256 == hashlib.sha256(content).hexdigest()
    assert set(Payment.objects.values_list("batch", flat=True)) == {batch.pk}


def test_only_approved_payments_not_yet_in_a_file_go_in(cast):
    approved(cast)
    proposed = hp.proposed_payment(cast, cheap_grant(cast), "1000")
    services.batch_create(actor=f.actor_for(cast.caseworker))

    with pytest.raises(Refused, match="Ingen godkjente utbetalinger"):
        services.batch_create(actor=f.actor_for(cast.caseworker))
    assert Payment.objects.get(pk=proposed.pk).batch is None


def test_the_file_is_downloaded_once_with_its_sha256_shown(client, cast):
    approved(cast)
    login(client, cast.caseworker)
    created = client.post(reverse("batch_create"))
    batch = PaymentBatch.objects.get()
    assert created["Location"] == reverse("batch_detail", args=[batch.pk])
    assert batch.sha256 in client.get(created["Location"]).content.decode()

    download = client.post(reverse("batch_download", args=[batch.pk]))
    content = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/xml"
    assert hashlib.sha256(content).hexdigest() == batch.sha256
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.SENT and batch.sent_by == cast.caseworker

    again = client.post(reverse("batch_download", args=[batch.pk]), follow=True)
    assert "Den kan bare lastes ned én gang" in again.content.decode()


def test_the_banks_confirmation_marks_the_payments_paid(client, cast):
    payment = approved(cast, "500000")
    caseworker = f.actor_for(cast.caseworker)
    batch = services.batch_create(actor=caseworker)
    login(client, cast.caseworker)
    assert client.post(reverse("batch_confirm", args=[batch.pk]), {"paid_on": "2025-03-01"}).status_code == 200
    services.batch_send(actor=caseworker, batch_id=batch.pk)

    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    refused = client.post(reverse("batch_confirm", args=[batch.pk]), {"paid_on": future})
    assert "fram i tid" in refused.content.decode()
    client.post(reverse("batch_confirm", args=[batch.pk]), {"paid_on": "2025-03-01", "bank_reference": "KVIT-1"})

    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.paid_on == dt.date(2025, 3, 1)
    assert payment.decision.paid == Decimal("500000") and payment.decision.case.state == "paid"
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.CONFIRMED and batch.bank_reference == "KVIT-1"


def test_the_command_writes_the_file_for_every_approved_payment_not_in_a_file(cast, tmp_path):
    approved(cast, "100000")
    approved(cast, "200000")
    out = tmp_path / "betaling.xml"

    call_command("payment_file", str(out))

    batch = PaymentBatch.objects.get()
    content = out.read_bytes()
    SCHEMA.validate(content.decode())
    assert content == read(batch) and hashlib.sha256(content).hexdigest() == batch.sha256
    assert batch.count == 2 and batch.total == Decimal("300000") and batch.state == PaymentBatch.State.SENT
    with pytest.raises(CommandError, match="Ingen godkjente utbetalinger"):
        call_command("payment_file", str(tmp_path / "igjen.xml"))


def test_names_and_texts_are_escaped_in_the_file(cast):
    payment = approved(cast)
    organisation = payment.decision.case.application.organisation
    organisation.name = "Trøndelag & Møre <fylke>"
    organisation.save()
    batch = services.batch_create(actor=f.actor_for(cast.caseworker))
    content = read(batch).decode()
    SCHEMA.validate(content)
    assert "Trøndelag &amp; Møre &lt;fylke&gt;" in content


def test_the_batch_list_has_constant_queries(client, cast):
    login(client, cast.caseworker)
    user = f.actor_for(cast.caseworker)

    def add_rows(n: int) -> None:
        for _ in range(n):
            approved(cast, "1000")
            services.batch_create(actor=user)

    assert_constant_queries(client, reverse("batch_list"), add_rows)


def test_the_demo_has_an_approved_payment_for_the_command(db, settings, tmp_path):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    out = tmp_path / "betaling.xml"

    call_command("payment_file", str(out), stderr=io.StringIO())

    content = out.read_text()
    SCHEMA.validate(content)
    assert "<Id>86011117947</Id>" in content  # Vestland's confirmed account
    assert '<InstdAmt Ccy="NOK">500000.00</InstdAmt>' in content


def test_the_payments_export_names_the_attester_the_budget_holder_and_the_file(client, cast):
    payment = approved(cast, "250000")
    batch = services.batch_create(actor=f.actor_for(cast.caseworker))
    call = payment.decision.case.call
    login(client, cast.caseworker)

    response = client.get(reverse("export_csv", args=[call.pk, "payments"]) + "?kolonner=nokler")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))[:2]
    values = dict(zip(header, row, strict=True))
    assert values["attested_by"] == "Carl Case" and values["approved_by"] == "Cora Case"
    assert values["account"] == hp.ACCOUNT and values["payment_file"] == batch.message_id
