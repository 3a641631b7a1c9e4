"""Every URL of grants: the calls, the county's applications and what IMDi does with them."""

from django.urls import path

from grants.views import (
    agreements,
    allocation,
    appeals,
    applications,
    bank_accounts,
    calls,
    cases,
    decisions,
    intake,
    journal,
    notices,
    payments,
    submissions,
)

urlpatterns = [
    # The calls, open to everyone (grants/views/calls.py)
    path("utlysninger/", calls.call_list, name="call_list"),
    path("utlysninger/<int:pk>/", calls.call_detail, name="call_detail"),
    # The county's application and IMDi's deadline extensions (grants/views/applications.py)
    path("utlysninger/<int:pk>/sok/", applications.application_start, name="application_start"),
    path("utlysninger/<int:pk>/utsatt-frist/", applications.extension_create, name="extension_create"),
    path("soknader/", applications.application_list, name="application_list"),
    path("soknader/<int:pk>/", applications.application_detail, name="application_detail"),
    path("soknader/<int:pk>/del/<slug:section>/", applications.application_section, name="application_section"),
    path("soknader/<int:pk>/budsjett/summer/", applications.budget_totals, name="budget_totals"),
    # Its cooperation agreements (grants/views/agreements.py)
    path("soknader/<int:pk>/avtaler/", agreements.application_agreements, name="application_agreements"),
    path("soknader/<int:pk>/avtaler/<int:agreement_pk>/fil/", agreements.agreement_file, name="agreement_file"),
    path("soknader/<int:pk>/avtaler/<int:agreement_pk>/fjern/", agreements.agreement_remove, name="agreement_remove"),
    # Sending it, and what was sent (grants/views/submissions.py)
    path("soknader/<int:pk>/kontroller/", submissions.application_review, name="application_review"),
    path("soknader/<int:pk>/bekreft/", submissions.application_confirm, name="application_confirm"),
    path("soknader/<int:pk>/send-tilbake/", submissions.application_return, name="application_return"),
    path("soknader/<int:pk>/trekk-tilbake/", submissions.application_withdraw, name="application_withdraw"),
    path("soknader/<int:pk>/innsendinger/<int:number>/", submissions.submission_detail, name="submission_detail"),
    path(
        "soknader/<int:pk>/innsendinger/<int:number>/kvittering/",
        submissions.submission_receipt,
        name="submission_receipt",
    ),
    # IMDi: the inbox, a case, assignment, impartiality and assessment (grants/views/cases.py)
    path("imdi/saker/", cases.case_list, name="case_list"),
    path("imdi/saker/<int:pk>/", cases.case_detail, name="case_detail"),
    path("imdi/saker/<int:pk>/tildel/", cases.case_assign, name="case_assign"),
    path("imdi/saker/<int:pk>/habilitet/", cases.case_declare, name="case_declare"),
    path("imdi/saker/<int:pk>/vurdering/", cases.case_assess, name="case_assess"),
    # IMDi: what came by e-mail or post, and its document (grants/views/intake.py)
    path("imdi/saker/registrer-soknad/", intake.intake_calls, name="intake_calls"),
    path("imdi/utlysninger/<int:pk>/registrer-soknad/", intake.intake_application, name="intake_application"),
    path("imdi/vedtak/<int:pk>/registrer-klage/", intake.intake_appeal, name="intake_appeal"),
    path(
        "soknader/<int:pk>/innkommende/<int:document_pk>/",
        intake.intake_document,
        name="intake_document",
    ),
    # IMDi: the allocation of a call's pot (grants/views/allocation.py)
    path("imdi/utlysninger/<int:pk>/fordeling/", allocation.allocation, name="allocation"),
    path("imdi/saker/<int:pk>/fordel/", allocation.allocation_set, name="allocation_set"),
    # A decision: IMDi proposes and approves it; the county reads its letter and accepts (grants/views/decisions.py)
    path("imdi/saker/<int:pk>/vedtak/", decisions.decision_propose, name="decision_propose"),
    path("imdi/vedtak/<int:pk>/", decisions.decision_detail, name="decision_detail"),
    path("imdi/vedtak/<int:pk>/godkjenn/", decisions.decision_approve, name="decision_approve"),
    path("imdi/vedtak/<int:pk>/send-tilbake/", decisions.decision_return, name="decision_return"),
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/", decisions.decision_view, name="decision_view"),
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/brev/", decisions.letter_file, name="letter_file"),
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/aksepter/", decisions.decision_accept, name="decision_accept"),
    path("imdi/vedtak/<int:pk>/brev/lag-pa-nytt/", decisions.letter_retry, name="letter_retry"),
    # IMDi: payments of accepted grants (grants/views/payments.py)
    path("imdi/vedtak/<int:pk>/utbetaling/", payments.payment_create, name="payment_create"),
    path("imdi/utbetalinger/", payments.payments_due, name="payments_due"),
    path("imdi/utbetalinger/<int:pk>/", payments.payment_detail, name="payment_detail"),
    path("imdi/utbetalinger/<int:pk>/attester/", payments.payment_attest, name="payment_attest"),
    path("imdi/utbetalinger/<int:pk>/godkjenn/", payments.payment_approve, name="payment_approve"),
    path("imdi/utbetalinger/<int:pk>/avvis/", payments.payment_reject, name="payment_reject"),
    path("imdi/betalingsfiler/", payments.batch_list, name="batch_list"),
    path("imdi/betalingsfiler/ny/", payments.batch_create, name="batch_create"),
    path("imdi/betalingsfiler/<int:pk>/", payments.batch_detail, name="batch_detail"),
    path("imdi/betalingsfiler/<int:pk>/fil/", payments.batch_download, name="batch_download"),
    path("imdi/betalingsfiler/<int:pk>/bekreft/", payments.batch_confirm, name="batch_confirm"),
    # The county: the account its grants are paid to (grants/views/bank_accounts.py)
    path("kontonummer/", bank_accounts.bank_account, name="bank_account"),
    path("kontonummer/<int:pk>/bekreft/", bank_accounts.bank_account_confirm, name="bank_account_confirm"),
    path("kontonummer/<int:pk>/avvis/", bank_accounts.bank_account_reject, name="bank_account_reject"),
    # Appeals against a dismissal (grants/views/appeals.py)
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/klage/", appeals.appeal_create, name="appeal_create"),
    path(
        "soknader/<int:pk>/klager/<int:appeal_pk>/vedlegg/<int:attachment_pk>/",
        appeals.appeal_attachment,
        name="appeal_attachment",
    ),
    path("soknader/<int:pk>/klagebrev/<int:letter_pk>/", appeals.appeal_letter_file, name="appeal_letter_file"),
    path("imdi/klager/<int:pk>/", appeals.appeal_detail, name="appeal_detail"),
    path("imdi/klager/<int:pk>/avvis/", appeals.appeal_dismiss, name="appeal_dismiss"),
    path("imdi/klager/<int:pk>/omgjor/", appeals.appeal_reverse, name="appeal_reverse"),
    path("imdi/klager/<int:pk>/oversend/", appeals.appeal_forward, name="appeal_forward"),
    path("imdi/klager/<int:pk>/utfall/", appeals.appeal_outcome, name="appeal_outcome"),
    # IMDi: how one hears of events in the calls one follows (grants/views/notices.py)
    path("imdi/varsler/", notices.notice_preferences, name="notice_preferences"),
    # The public journal, open to everyone (grants/views/journal.py)
    path("offentlig-journal/", journal.public_journal, name="public_journal"),
    path("offentlig-journal/offentligJournal.xml", journal.public_journal_xml, name="public_journal_xml"),
    path("offentlig-journal/<int:entry_pk>/innsyn/", journal.public_journal_request, name="public_journal_request"),
    path("imdi/arkivuttrekk/", journal.archive_extracts, name="archive_extracts"),
]
