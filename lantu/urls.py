"""URL map: pages, the admin, the REST API and the language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lantu.api.main import api
from lantu.web import monitoring, views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("programmes/<str:code>/", views.overview, name="programme"),
    path("progress/", views.progress, name="progress"),
    path("tasks/", views.task_list, name="tasks"),
    path("monitoring/rounds/", monitoring.rounds, name="monitoring-rounds"),
    path("monitoring/queue/", monitoring.queue, name="monitoring-queue"),
    path("monitoring/rounds/<str:code>/enter/<str:unit_code>/", monitoring.enter, name="monitoring-enter"),
    path(
        "monitoring/rounds/<str:code>/enter/<str:unit_code>/cell/<str:indicator>/",
        monitoring.enter_cell,
        name="monitoring-cell",
    ),
    path("monitoring/rounds/<str:code>/submit/<str:unit_code>/", monitoring.submit, name="monitoring-submit"),
    path(
        "monitoring/rounds/<str:code>/template/<str:unit_code>/",
        monitoring.template_download,
        name="monitoring-template",
    ),
    path("monitoring/rounds/<str:code>/approve/<str:unit_code>/", monitoring.approve, name="monitoring-approve"),
    path("notifications/", monitoring.notifications, name="notifications"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
