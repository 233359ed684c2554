"""With HTTPS on, the HSTS header covers the host's subdomains too (a name under Rapport's
reached over plain HTTP could be answered by whoever is on the network, and set cookies
for Rapport's), unless RAPPORT_HSTS_INCLUDE_SUBDOMAINS=0: a clinic serving Rapport on a
shared domain's own name, whose other subdomains still need plain HTTP."""

from __future__ import annotations

import pytest
from tests.core.test_settings import stdout_under_settings

_HEADER = """
import django
django.setup()
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
request = RequestFactory().get("/", secure=True, HTTP_HOST="rapport.example.org")
response = SecurityMiddleware(lambda r: HttpResponse())(request)
print(response.get("Strict-Transport-Security", "none"))
"""


def _hsts_header(tmp_path, **env_overrides) -> str:
    out = stdout_under_settings(tmp_path, _HEADER, **env_overrides)
    return out.strip()


def test_hsts_includes_subdomains_by_default(tmp_path):
    assert _hsts_header(tmp_path) == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("off", ["0", "false", "off"])
def test_a_clinic_on_a_shared_domain_can_leave_subdomains_out(tmp_path, off):
    header = _hsts_header(tmp_path, RAPPORT_HSTS_INCLUDE_SUBDOMAINS=off)
    assert header == "max-age=31536000"


def test_without_https_there_is_no_hsts(tmp_path):
    assert _hsts_header(tmp_path, RAPPORT_HTTPS="0") == "none"
