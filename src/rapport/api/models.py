"""Personal access tokens for the REST API.

The raw token is printed once (``rapport token create``); only its SHA-256 is stored. A token
acts as its user: it sees exactly what that user sees on the pages. Every token expires: a
token pasted into a script outlives the script's purpose, and nobody revokes what they forgot.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters, so a person can tell their tokens apart; not enough to use one.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set at creation (``services.api_token_create``, at most a year ahead); tokens made
    # before expiry existed were given 90 days from the upgrade (migration 0002).
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"API token {self.prefix}… of user {self.user_id}"
