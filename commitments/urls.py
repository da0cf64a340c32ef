from django.urls import path

from commitments import api, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("objectives/", views.objective_list, name="objective_list"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective_detail"),
    path("objectives/<int:pk>/updates/new/", views.update_create, name="update_create"),
    path("countries/", views.country_list, name="country_list"),
    path("countries/<str:code>/", views.country_detail, name="country_detail"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/brief/", views.meeting_brief, name="meeting_brief"),
    path("meetings/<int:pk>/brief.pdf", views.meeting_brief_pdf, name="meeting_brief_pdf"),
    path("updates/", views.update_list, name="update_list"),
    path("updates/export.csv", views.update_export, {"fmt": "csv"}, name="update_export_csv"),
    path("updates/export.xlsx", views.update_export, {"fmt": "xlsx"}, name="update_export_xlsx"),
    path("updates/<int:pk>/", views.update_detail, name="update_detail"),
    path("updates/<int:pk>/edit/", views.update_edit, name="update_edit"),
    path("updates/<int:pk>/submit/", views.update_submit, name="update_submit"),
    path("updates/<int:pk>/withdraw/", views.update_withdraw, name="update_withdraw"),
    path("updates/<int:pk>/publish/", views.update_publish, name="update_publish"),
    path("updates/<int:pk>/return/", views.update_return, name="update_return"),
    path("updates/<int:pk>/comments/", views.update_comment, name="update_comment"),
    path("updates/<int:pk>/history/", views.update_history, name="update_history"),
    path("review/", views.review_queue, name="review_queue"),
    path("api/v1/updates/", api.updates, name="api_updates"),
    path("api/v1/objectives/", api.objectives, name="api_objectives"),
    path("api/v1/countries/", api.countries, name="api_countries"),
    path("api/v1/openapi.json", api.openapi, name="api_openapi"),
]
