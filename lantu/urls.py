"""URL map: pages, the admin, the REST API and the language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lantu.api.main import api
from lantu.web import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("programmes/<str:code>/", views.overview, name="programme"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
