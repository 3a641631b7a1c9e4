from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from portal import views
from portal.admin_site import use_portal_login

use_portal_login(admin.site)

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rolle/", views.choose_role, name="choose_role"),
    path("fullmakter/", views.delegation_list, name="delegation_list"),
    path("fullmakter/<int:pk>/", views.delegation_detail, name="delegation_detail"),
    path("fullmakter/<int:pk>/trekk-tilbake/", views.delegation_revoke, name="delegation_revoke"),
    path("hendelseslogg/", views.audit_log, name="audit_log"),
    path("", include("grants.urls")),
    path("", include("reporting.urls")),
    path("konto/okt/forleng/", views.session_extend, name="session_extend"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Before allauth's own: users do not add or switch login addresses themselves.
    path("konto/email/", views.email_managed, name="email_managed"),
    path("konto/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "portal.errors.server_error"
