"""URL configuration.

The VC-API and DID resolution routes sit at the root, where their
specifications put them; they are not language-prefixed. The language of the
pages comes from the language cookie (the switcher) or Accept-Language.
"""

from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("credentials.api.urls")),
    path("", include("identity.api.urls")),
    path("accounts/", include("allauth.urls")),
    # The registrar portal (login required): organisations' own pages.
    path("portal/", include(("credentials.urls", "portal"))),
    # Public pages: DID documents, status lists, verification pages, claim links.
    path("", include("identity.public_urls")),
    path("", include("credentials.public_urls")),
    # The issuer API (DRF) with its OpenAPI schema and docs.
    path("", include("credentials.api.issuer_urls")),
    path("", include("anchoring.urls")),
]

handler400 = "config.views.handler400"
handler403 = "config.views.handler403"
handler404 = "config.views.handler404"
handler500 = "config.views.handler500"
