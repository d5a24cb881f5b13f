"""Public identity routes: organisations' DID documents and logos."""

from django.urls import path

from identity import public_views

urlpatterns = [
    path("orgs/<str:slug>/did.json", public_views.organisation_did_json, name="organisation-did"),
    path("orgs/<str:slug>/logo", public_views.organisation_logo, name="organisation-logo"),
]
