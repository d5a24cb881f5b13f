"""Portal routes of the credentials part: dashboard, issue one, credentials, templates."""

from django.urls import path

from credentials import views

urlpatterns = [
    path("<slug:slug>/", views.organisation_dashboard, name="organisation"),
    path("<slug:slug>/issue/", views.credential_new, name="issue"),
    path("<slug:slug>/credentials/", views.credential_list, name="credential_list"),
    path("<slug:slug>/credentials/<str:public_id>/", views.credential_detail, name="credential_detail"),
    path("<slug:slug>/credentials/<str:public_id>/qr.svg", views.credential_qr, name="credential_qr"),
    path("<slug:slug>/credentials/<str:public_id>/status/", views.credential_status, name="credential_status"),
    path("<slug:slug>/credentials/<str:public_id>/claim-link/", views.credential_claim_send, name="credential_claim_send"),
    path("<slug:slug>/templates/", views.template_list, name="template_list"),
    path("<slug:slug>/templates/new/", views.template_edit, name="template_create"),
    path("<slug:slug>/templates/<slug:template_slug>/", views.template_edit, name="template_edit"),
]
