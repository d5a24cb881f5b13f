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
    path("", include("identity.urls")),
    path("", include("credentials.urls")),
]

handler400 = "config.views.handler400"
handler403 = "config.views.handler403"
handler404 = "config.views.handler404"
handler500 = "config.views.handler500"
