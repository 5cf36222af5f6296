"""Addresses of the evaluation pages, under /evaluation/ (namespace ``web:evaluation``)."""

from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("compute/", views.compute, name="compute"),
    path("score/<int:pk>/", views.scorecard, name="scorecard"),
    path("score/<int:pk>/cases/<str:measure>/", views.cases_behind, name="cases"),
    path("<str:period>/publish/", views.publish, name="publish"),
    path("<str:period>/deductions/", views.deductions, name="deductions"),
    path("<str:period>/deductions/adjust/", views.adjust, name="adjust"),
    path("<str:period>/export.xlsx", views.export_all, name="export"),
    path("<str:period>/report.pdf", views.report_pdf, name="report"),
    path("<str:period>/<str:subject>/", views.rankings, name="rankings"),
]
