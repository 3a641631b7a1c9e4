from django.urls import path

from grants.views import applications as views
from grants.views import files

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
]
