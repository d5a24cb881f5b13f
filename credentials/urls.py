"""Registrar portal routes (mounted at /portal/, namespace "portal")."""

from django.urls import path

from credentials import views

urlpatterns = [
    path("", views.portal_home, name="home"),
]
