"""Organisation settings pages of the portal: members, keys, API keys, audit log (MANAGE role)."""

from django.urls import path

from identity import views

urlpatterns = [
    path("<slug:slug>/settings/", views.organisation_settings, name="org_settings"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/<int:membership_id>/", views.member_change, name="member_change"),
    path("<slug:slug>/keys/", views.keys, name="keys"),
    path("<slug:slug>/keys/rotate/", views.key_rotate, name="key_rotate"),
    path("<slug:slug>/keys/<str:fragment>/compromise/", views.key_compromise, name="key_compromise"),
    path("<slug:slug>/api-keys/", views.api_keys, name="api_keys"),
    path("<slug:slug>/api-keys/<str:prefix>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("<slug:slug>/audit/", views.audit, name="audit"),
]
