from django.urls import path

from grants.views import allocation, appeals, casework, decisions, files
from grants.views import applications as views

urlpatterns = [
    path("utlysninger/<int:pk>/sok/", views.application_start, name="application_start"),
    path("utlysninger/<int:pk>/utsatt-frist/", views.extension_create, name="extension_create"),
    path("soknader/", views.application_list, name="application_list"),
    path("soknader/<int:pk>/", views.application_detail, name="application_detail"),
    path("soknader/<int:pk>/del/<slug:section>/", views.application_section, name="application_section"),
    path("soknader/<int:pk>/budsjett/summer/", views.budget_totals, name="budget_totals"),
    path("soknader/<int:pk>/avtaler/", files.application_agreements, name="application_agreements"),
    path("soknader/<int:pk>/avtaler/<int:agreement_pk>/fil/", files.agreement_file, name="agreement_file"),
    path("soknader/<int:pk>/avtaler/<int:agreement_pk>/fjern/", files.agreement_remove, name="agreement_remove"),
    path("soknader/<int:pk>/kontroller/", views.application_review, name="application_review"),
    path("soknader/<int:pk>/bekreft/", views.application_confirm, name="application_confirm"),
    path("soknader/<int:pk>/send-tilbake/", views.application_return, name="application_return"),
    path("soknader/<int:pk>/trekk-tilbake/", views.application_withdraw, name="application_withdraw"),
    path("soknader/<int:pk>/innsendinger/<int:number>/", views.submission_detail, name="submission_detail"),
    path(
        "soknader/<int:pk>/innsendinger/<int:number>/kvittering/", files.submission_receipt, name="submission_receipt"
    ),
    # IMDi: the inbox, a case, assignment, impartiality and assessment (grants/views/casework.py)
    path("imdi/saker/", casework.case_list, name="case_list"),
    path("imdi/saker/<int:pk>/", casework.case_detail, name="case_detail"),
    path("imdi/saker/<int:pk>/tildel/", casework.case_assign, name="case_assign"),
    path("imdi/saker/<int:pk>/habilitet/", casework.case_declare, name="case_declare"),
    path("imdi/saker/<int:pk>/vurdering/", casework.case_assess, name="case_assess"),
    # IMDi: allocation, proposal and approval, payments (grants/views/allocation.py)
    path("imdi/utlysninger/<int:pk>/fordeling/", allocation.allocation, name="allocation"),
    path("imdi/saker/<int:pk>/fordel/", allocation.allocation_set, name="allocation_set"),
    path("imdi/saker/<int:pk>/vedtak/", allocation.decision_propose, name="decision_propose"),
    path("imdi/vedtak/<int:pk>/", allocation.decision_detail, name="decision_detail"),
    path("imdi/vedtak/<int:pk>/godkjenn/", allocation.decision_approve, name="decision_approve"),
    path("imdi/vedtak/<int:pk>/send-tilbake/", allocation.decision_return, name="decision_return"),
    path("imdi/vedtak/<int:pk>/utbetaling/", allocation.payment_create, name="payment_create"),
    path("imdi/utbetalinger/", allocation.payments_due, name="payments_due"),
    # The decision as the county sees it, its letter, acceptance (grants/views/decisions.py)
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/", decisions.decision_view, name="decision_view"),
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/brev/", decisions.letter_file, name="letter_file"),
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/aksepter/", decisions.decision_accept, name="decision_accept"),
    path("imdi/vedtak/<int:pk>/brev/lag-pa-nytt/", decisions.letter_retry, name="letter_retry"),
    # Appeals against a dismissal (grants/views/appeals.py)
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/klage/", appeals.appeal_create, name="appeal_create"),
    path(
        "soknader/<int:pk>/klager/<int:appeal_pk>/vedlegg/<int:attachment_pk>/",
        appeals.appeal_attachment,
        name="appeal_attachment",
    ),
    path("imdi/klager/<int:pk>/", appeals.appeal_detail, name="appeal_detail"),
    path("imdi/klager/<int:pk>/omgjor/", appeals.appeal_reverse, name="appeal_reverse"),
    path("imdi/klager/<int:pk>/oversend/", appeals.appeal_forward, name="appeal_forward"),
    path("imdi/klager/<int:pk>/utfall/", appeals.appeal_outcome, name="appeal_outcome"),
]
