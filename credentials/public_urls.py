"""Public credential routes: verification pages, status lists, claim links."""

from django.urls import path, re_path

from credentials import public_views

_ID = r"(?P<public_id>[A-Za-z0-9_-]{1,64})"

urlpatterns = [
    path("orgs/<str:slug>/status/<str:list_id>", public_views.status_list, name="status-list"),
    re_path(rf"^v/{_ID}\.json$", public_views.credential_json, name="verify-json"),
    re_path(rf"^v/{_ID}\.pdf$", public_views.credential_pdf_download, name="verify-pdf"),
    re_path(rf"^v/{_ID}/qr\.(?P<fmt>svg|png)$", public_views.credential_qr, name="verify-qr"),
    re_path(rf"^v/{_ID}$", public_views.credential_page, name="verify"),
    # Malformed ids get the same friendly page as unknown ones.
    re_path(r"^v/", public_views.credential_not_found),
    path("claim/<str:token>", public_views.claim_page, name="claim"),
    re_path(r"^claim/", public_views.claim_not_found),
]
