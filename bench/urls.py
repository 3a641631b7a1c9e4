"""The portal's URLs plus the baseline views the pages are compared with (``bench/views.py``)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/bare/<int:queries>/", views.bare, name="bench_bare"),
    path("bench/replay/<slug:name>/", views.replay, name="bench_replay"),
    path("", include("portal.urls")),
]
