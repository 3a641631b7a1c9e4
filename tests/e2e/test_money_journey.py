"""Money controls in the browser (issue 14), as IMDi's finance controller would try them: Carl proposes
a grant above his own limit; a colleague whose limit is too low cannot approve it and is told why; Cora,
the budget holder, approves it. After the county accepts, Carl proposes and attests the payment, Cora
approves it, puts it in a payment file that validates against pain.001.001.03 and holds the county's
account and the amount, and records the bank's confirmation, which marks it paid. axe checks every page
on the way (``ui.submit`` and ``ui.visit``)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from django.core.cache import cache
from django.utils import timezone

from grants import letters, services
from grants.models import BudgetAuthority, Decision, Payment, PaymentBatch
from portal.models import Role
from tests import factories as f
from tests.e2e.helpers import fact, in_section, log_out, messages_text, normal
from tests.grants import helpers_cases as h
from tests.grants import helpers_payments as hp

PAIN_001 = xmlschema.XMLSchema(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd")
KARI_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def log_in(ui, user, secret: str) -> None:
    cache.clear()  # allauth remembers used codes; a second login within 30 s would reuse one
    ui.log_in(user.email, totp_secret=secret)
    assert ui.path == "/", ui.text()


def test_budget_authority_attestation_approval_and_the_payment_file(ui, e2e_cast):
    cast, page = e2e_cast, ui.page
    BudgetAuthority.objects.filter(user=cast.caseworker).update(limit=Decimal("500000"))
    kari = f.make_user(
        "kari@example.org", name="Kari Kollega", roles=[(cast.imdi, Role.CASEWORKER)], totp_secret=KARI_SECRET
    )
    f.make_budget_holder(kari, cast.scheme, limit="500000")
    decision = h.proposed(cast, h.submitted_case(cast, organisation=cast.county_b), amount="1000000")
    decision_path = f"/imdi/vedtak/{decision.pk}/"

    # --- Kari's limit is too low: the dashboard says who may approve, the page says why not she ---
    log_in(ui, kari, KARI_SECRET)
    waiting = in_section(page, "Saksbehandling")
    assert "kan godkjennes av Cora Case" in normal(waiting.inner_text())
    assert "Carl Case" not in normal(waiting.inner_text()).split("kan godkjennes av")[1]  # he proposed it
    ui.visit(decision_path)
    assert "Beløpsgrensen din er kr 500 000" in normal(ui.text())
    assert page.get_by_role("button", name="Godkjenn vedtaket").count() == 0
    log_out(ui)

    # --- Cora, the budget holder, approves the grant from the allocation page's list ----------------
    log_in(ui, cast.caseworker2, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    ui.visit(f"/imdi/utlysninger/{cast.call.pk}/fordeling/")
    proposals = in_section(page, "Forslag som venter på budsjettdisponent")
    ui.submit(proposals.get_by_role("link", name="Fylke B: kr 1 000 000"))
    assert ui.path == decision_path
    ui.submit(page.get_by_role("button", name="Godkjenn vedtaket"))
    assert fact(page, "Godkjent av").startswith("Cora Case")
    log_out(ui)

    # The letter is made, Fylke B's director accepts, and its account is confirmed (services).
    letters.letter_issue(Decision.objects.get(pk=decision.pk).letter.pk)
    services.decision_accept(actor=f.actor_for(cast.director_b), decision_id=decision.pk)
    hp.confirmed_account(cast, cast.county_b)

    # --- Carl proposes and attests the payment ------------------------------------------------------
    log_in(ui, cast.caseworker, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    ui.visit(f"/imdi/vedtak/{decision.pk}/utbetaling/")
    ui.submit(page.get_by_role("button", name="Foreslå utbetalingen"))
    payment = Payment.objects.get(decision=decision)
    assert ui.path == f"/imdi/utbetalinger/{payment.pk}/"
    ui.submit(page.get_by_role("button", name="Attester utbetalingen"))
    assert "Du attesterte utbetalingen. En annen må godkjenne den." in ui.text()
    log_out(ui)

    # --- Cora approves it, makes the payment file, downloads it once, records the bank's confirmation
    log_in(ui, cast.caseworker2, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    ui.visit(f"/imdi/utbetalinger/{payment.pk}/")
    ui.submit(page.get_by_role("button", name="Godkjenn utbetalingen"))
    ui.visit("/imdi/betalingsfiler/")
    ui.submit(page.get_by_role("button", name="Lag betalingsfil"))
    batch = PaymentBatch.objects.get()
    with page.expect_download() as download:
        page.get_by_role("button", name="Last ned betalingsfilen").click()
    content = Path(download.value.path()).read_bytes()
    PAIN_001.validate(content.decode())
    assert hashlib.sha256(content).hexdigest() == batch.sha256
    assert f"<Id>{hp.ACCOUNT}</Id>" in content.decode() and ">1000000.00</InstdAmt>" in content.decode()
    ui.visit(f"/imdi/betalingsfiler/{batch.pk}/")
    assert "Den kan bare lastes ned én gang" not in ui.text()
    assert page.get_by_role("button", name="Last ned betalingsfilen").count() == 0
    page.get_by_label("Utbetalingsdato (fra bankens bekreftelse)").fill(timezone.localdate().isoformat())
    ui.submit(page.get_by_role("button", name="Registrer at betalingene er utført"))
    assert "Bankens bekreftelse er registrert" in messages_text(ui)
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.decision.paid == Decimal("1000000")
    assert (payment.attested_by, payment.approved_by) == (cast.caseworker, cast.caseworker2)
