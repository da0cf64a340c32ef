from django.urls import path

from commitments import api
from commitments.views import countries, meetings, objectives, overview, review, site, updates

urlpatterns = [
    path("", overview.dashboard, name="dashboard"),
    path("compare/", overview.compare_years, name="compare_years"),
    path("timeliness/", overview.timeliness_report, name="timeliness"),
    path(
        "years/<int:year>/open-dashboard/",
        overview.open_dashboard_on,
        name="open_dashboard_on",
    ),
    path("healthz", site.healthz, name="healthz"),
    path("livez", site.livez, name="livez"),
    path("objectives/", objectives.objective_list, name="objective_list"),
    path("objectives/<int:pk>/", objectives.objective_detail, name="objective_detail"),
    path("objectives/<int:pk>/updates/new/", updates.update_create, name="update_create"),
    path("countries/", countries.country_list, name="country_list"),
    path("countries/<str:code>/", countries.country_detail, name="country_detail"),
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/brief/", meetings.meeting_brief, name="meeting_brief"),
    path("meetings/<int:pk>/brief.pdf", meetings.meeting_brief_pdf, name="meeting_brief_pdf"),
    path("updates/", updates.update_list, name="update_list"),
    path("updates/export.csv", updates.update_export, {"fmt": "csv"}, name="update_export_csv"),
    path("updates/export.xlsx", updates.update_export, {"fmt": "xlsx"}, name="update_export_xlsx"),
    path("updates/<int:pk>/", updates.update_detail, name="update_detail"),
    path("updates/<int:pk>/edit/", updates.update_edit, name="update_edit"),
    path("updates/<int:pk>/submit/", updates.update_submit, name="update_submit"),
    path("updates/<int:pk>/withdraw/", updates.update_withdraw, name="update_withdraw"),
    path("updates/<int:pk>/publish/", updates.update_publish, name="update_publish"),
    path("updates/<int:pk>/return/", updates.update_return, name="update_return"),
    path("updates/<int:pk>/comments/", updates.update_comment, name="update_comment"),
    path("updates/<int:pk>/history/", updates.update_history, name="update_history"),
    path("review/", review.review_queue, name="review_queue"),
    path("api/v1/updates/", api.updates, name="api_updates"),
    path("api/v1/objectives/", api.objectives, name="api_objectives"),
    path("api/v1/countries/", api.countries, name="api_countries"),
    path("api/v1/openapi.json", api.openapi, name="api_openapi"),
]
