"""Every page of reporting: the county's report, IMDi's review, repayments, reminder texts, exports,
statistics and the case file."""

from django.urls import path

from reporting.views import casefile, exports, reminders, repayments, reports, review, statistics

urlpatterns = [
    # The county's annual report and accounts
    path("soknader/<int:pk>/vedtak/<int:decision_pk>/rapport/", reports.report_overview, name="report_overview"),
    path("rapporter/<int:pk>/del/<str:section>/", reports.report_section, name="report_section"),
    path("rapporter/<int:pk>/regnskap/", reports.report_accounts_upload, name="report_accounts_upload"),
    path("rapporter/<int:pk>/regnskap/fil/", reports.report_accounts_file, name="report_accounts_file"),
    path("rapporter/<int:pk>/vedlegg/", reports.report_attachment_add, name="report_attachment_add"),
    path("rapporter/<int:pk>/vedlegg/<int:attachment_pk>/", reports.report_attachment, name="report_attachment"),
    path(
        "rapporter/<int:pk>/vedlegg/<int:attachment_pk>/fjern/",
        reports.report_attachment_remove,
        name="report_attachment_remove",
    ),
    path("rapporter/<int:pk>/godkjenn/", reports.accounts_approve, name="accounts_approve"),
    path("rapporter/<int:pk>/send-inn/", reports.report_submit, name="report_submit"),
    # IMDi's review of the reports
    path("imdi/rapporter/", review.report_list, name="report_list"),
    path("imdi/rapporter/<int:pk>/", review.report_assess, name="report_assess"),
    path("imdi/rapporter/<int:pk>/godkjenn/", review.report_approve, name="report_approve"),
    path("imdi/rapporter/<int:pk>/send-tilbake/", review.report_return, name="report_return"),
    # Repayment claims: IMDi's pages, then the county's
    path("imdi/vedtak/<int:pk>/tilbakebetaling/", repayments.repayment_create, name="repayment_create"),
    path("imdi/tilbakebetalinger/", repayments.repayment_list, name="repayment_list"),
    path("imdi/tilbakebetalinger/<int:pk>/", repayments.repayment_detail, name="repayment_detail"),
    path("imdi/tilbakebetalinger/<int:pk>/krav/", repayments.repayment_claim_create, name="repayment_claim_create"),
    path("imdi/tilbakebetalinger/<int:pk>/godkjenn/", repayments.repayment_approve, name="repayment_approve"),
    path("imdi/tilbakebetalinger/<int:pk>/send-tilbake/", repayments.repayment_send_back, name="repayment_send_back"),
    path("imdi/tilbakebetalinger/<int:pk>/betalt/", repayments.repayment_record, name="repayment_record"),
    path("imdi/tilbakebetalinger/<int:pk>/motregn/", repayments.repayment_set_off, name="repayment_set_off"),
    path("imdi/tilbakebetalinger/<int:pk>/renter/", repayments.repayment_interest_paid, name="repayment_interest_paid"),
    path("imdi/tilbakebetalinger/<int:pk>/frafall/", repayments.repayment_cancel, name="repayment_cancel"),
    path("imdi/tilbakebetalinger/<int:pk>/brev/", repayments.repayment_letter_imdi, name="repayment_letter_imdi"),
    path("soknader/<int:pk>/tilbakebetaling/<int:claim_pk>/", repayments.repayment_view, name="repayment_view"),
    path(
        "soknader/<int:pk>/tilbakebetaling/<int:claim_pk>/brev/", repayments.repayment_letter, name="repayment_letter"
    ),
    # Reminder texts
    path("admin-tekster/paminnelser/", reminders.reminder_text_list, name="reminder_text_list"),
    path("admin-tekster/paminnelser/<slug:kind>/", reminders.reminder_text_edit, name="reminder_text_edit"),
    # Exports
    path("imdi/eksport/", exports.export_index, name="export_index"),
    path("imdi/eksport/<int:call_pk>/<slug:dataset>.csv", exports.export_csv, name="export_csv"),
    path("imdi/eksport/<int:call_pk>/<slug:dataset>.xlsx", exports.export_xlsx, name="export_xlsx"),
    path("imdi/eksport/jobber/", exports.export_job_create, name="export_job_create"),
    path("imdi/eksport/jobber/<int:pk>/fil/", exports.export_job_file, name="export_job_file"),
    # Statistics and the case file
    path("imdi/statistikk/", statistics.statistics_overview, name="statistics_overview"),
    path("imdi/statistikk/<int:pk>/", statistics.statistics_call, name="statistics_call"),
    path("imdi/saker/<int:pk>/saksmappe.zip", casefile.case_file, name="case_file"),
]
