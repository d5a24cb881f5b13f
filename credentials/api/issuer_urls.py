"""Issuer API routes (/api/v1/...), VC-API issue, and the OpenAPI schema and docs."""

urlpatterns: list = []
