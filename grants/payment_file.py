"""The payment file the bank reads: an ISO 20022 ``pain.001.001.03`` customer credit transfer in
NOK, one payment information block for the batch and one transaction per payment. Norwegian
domestic accounts are given as BBAN (``Othr/Id`` with ``SchmeNm/Cd`` ``BBAN``), as Norwegian banks
accept for domestic payments.

``write_payment_file`` yields the file in chunks of bytes, reading the payments from the database in
chunks too, so that a file of 10,000 payments is made in constant memory. The header's number of
transactions and control sum are the batch's own (``PaymentBatch.count`` and ``total``, set when the
batch was made). A payment set off against a repayment claim pays its net amount (``amount`` less
``set_off_amount``), and the batch's total is the sum of the net amounts. Tests validate the output
against the XSD that ``sepaxml`` bundles."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Payment, PaymentBatch

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
CURRENCY = "NOK"
ROWS = 500  # payments read per database round trip
CHUNK = 200  # transactions per chunk of bytes yielded

# IMDi as the debtor; settings.PAYMENT_DEBTOR_* override these (the account IMDi pays from).
DEBTOR = {
    "name": "Integrerings- og mangfoldsdirektoratet",
    "orgnr": "987879211",
    "account": "76940512057",
    "bic": "",
}


def debtor() -> dict[str, str]:
    return {key: getattr(settings, f"PAYMENT_DEBTOR_{key.upper()}", value) for key, value in DEBTOR.items()}


def _text(value: str, limit: int) -> str:
    """Text as the schema's MaxNText allows: one line, at most ``limit`` characters, escaped."""
    return escape(" ".join(str(value).split())[:limit])


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _account(number: str) -> str:
    return f"<Id><Othr><Id>{_text(number, 34)}</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>"


def _header(batch: PaymentBatch) -> str:
    me = debtor()
    created = timezone.localtime(batch.created_at).replace(microsecond=0, tzinfo=None).isoformat()
    execution = timezone.localtime(batch.created_at).date().isoformat()
    agent = f"<BIC>{_text(me['bic'], 11)}</BIC>" if me["bic"] else "<Othr><Id>NOTPROVIDED</Id></Othr>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<CstmrCdtTrfInitn><GrpHdr>"
        f"<MsgId>{_text(batch.message_id, 35)}</MsgId><CreDtTm>{created}</CreDtTm>"
        f"<NbOfTxs>{batch.count}</NbOfTxs><CtrlSum>{_amount(batch.total)}</CtrlSum>"
        f"<InitgPty><Nm>{_text(me['name'], 140)}</Nm><Id><OrgId><Othr><Id>{_text(me['orgnr'], 35)}</Id>"
        "<SchmeNm><Cd>CUST</Cd></SchmeNm></Othr></OrgId></Id></InitgPty>"
        "</GrpHdr><PmtInf>"
        f"<PmtInfId>{_text(batch.message_id, 35)}</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>false</BtchBookg>"
        f"<NbOfTxs>{batch.count}</NbOfTxs><CtrlSum>{_amount(batch.total)}</CtrlSum>"
        "<PmtTpInf><InstrPrty>NORM</InstrPrty></PmtTpInf>"
        f"<ReqdExctnDt>{execution}</ReqdExctnDt>"
        f"<Dbtr><Nm>{_text(me['name'], 140)}</Nm></Dbtr>"
        f"<DbtrAcct>{_account(me['account'])}<Ccy>{CURRENCY}</Ccy></DbtrAcct>"
        f"<DbtrAgt><FinInstnId>{agent}</FinInstnId></DbtrAgt>"
        "<ChrgBr>SLEV</ChrgBr>"
    )


def _transaction(pk: int, reference: str, amount: Decimal, account: str, county: str, application: str) -> str:
    purpose = _("Tilskudd fra IMDi, søknad %(reference)s") % {"reference": application}
    return (
        "<CdtTrfTxInf>"
        f"<PmtId><InstrId>P{pk}</InstrId><EndToEndId>{_text(reference, 35)}</EndToEndId></PmtId>"
        f'<Amt><InstdAmt Ccy="{CURRENCY}">{_amount(amount)}</InstdAmt></Amt>'
        f"<Cdtr><Nm>{_text(county, 140)}</Nm></Cdtr>"
        f"<CdtrAcct>{_account(account)}</CdtrAcct>"
        f"<RmtInf><Ustrd>{_text(purpose, 140)}</Ustrd></RmtInf>"
        "</CdtTrfTxInf>"
    )


def write_payment_file(batch: PaymentBatch) -> Iterator[bytes]:
    """The batch's pain.001.001.03 file, in chunks of UTF-8."""
    yield _header(batch).encode()
    rows = (
        Payment.objects.filter(batch=batch)
        .annotate(net=F("amount") - F("set_off_amount"))
        .order_by("pk")
        .values_list(
            "pk",
            "reference",
            "net",
            "account",
            "decision__case__application__organisation__name_nb",
            "decision__case__application__reference",
        )
    )
    chunk: list[str] = []
    for row in rows.iterator(chunk_size=ROWS):
        chunk.append(_transaction(*row))
        if len(chunk) >= CHUNK:
            yield "".join(chunk).encode()
            chunk = []
    chunk.append("</PmtInf></CstmrCdtTrfInitn></Document>\n")
    yield "".join(chunk).encode()
