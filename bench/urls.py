"""The portal's URLs plus the bare baseline view the pages are compared with."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/bare/<int:queries>/", views.bare, name="bench_bare"),
    path("", include("portal.urls")),
]
