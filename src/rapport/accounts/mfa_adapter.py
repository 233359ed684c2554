"""Second-factor secrets encrypted at rest with the clinic's keys (DESIGN §5), and
allauth's two-factor messages in the app's words.

allauth keeps each TOTP secret, and the seed its recovery codes are derived from, in
``mfa_authenticator.data``, and passes them through the MFA adapter's ``encrypt`` and
``decrypt`` hooks. In plain text a database dump (a backup, a copy for a report) would
let its holder make anyone's codes, and MFA would protect nothing. They are encrypted
with the keys and format of client free text (``rapport.lib.crypto``, newest key first).
"""

from __future__ import annotations

from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.fields import keyring
from rapport.lib.crypto import KeyRing

__all__ = ["ClinicMFAAdapter", "encrypt_stored_mfa_secrets"]


#: The page that sets up an authenticator app: only the app's code is asked for there.
_SET_UP_PAGE = "mfa_activate_totp"


class ClinicMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA, with its stored secrets encrypted and its messages in the app's words
    (settings.MFA_ADAPTER)."""

    @property
    def error_messages(self) -> dict:  # type: ignore[override]
        """allauth's, with those staff meet in the app's words, saying what to do next:
        a wrong code (allauth's said "Incorrect code.") and recovery codes asked for with
        no authenticator app (allauth's said "You cannot generate recovery codes without
        having two-factor authentication enabled.")."""
        return {
            **DefaultMFAAdapter.error_messages,
            "incorrect_code": _wrong_code_message(),
            "cannot_generate_recovery_codes": _(
                "Recovery codes come with an authenticator app: set up the app first, on "
                "your Security page."
            ),
        }

    def encrypt(self, text: str) -> str:
        return keyring().encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        # A secret stored before Rapport encrypted them is plain text and still works.
        # Neither kind can pass for ciphertext: a TOTP secret is base32 (capitals and
        # digits), a recovery seed hexadecimal, and ciphertext starts "enc1:". A value that
        # is ciphertext but that no configured key opens fails loudly (CryptoError).
        if not KeyRing.is_encrypted(encrypted_text):
            return encrypted_text
        return keyring().decrypt(encrypted_text)


def _wrong_code_message() -> str:
    """A wrong code, said for the page it was typed on: setting up the app asks only for
    the app's code (the recovery codes come after), signing in and confirming access take
    a recovery code too. A code from the app is only good for about 30 seconds (a phone
    whose clock is off gives codes that never work)."""
    request = allauth_context.request
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name == _SET_UP_PAGE:
        return _(
            "That code did not work. Enter the code your authenticator app shows now: each "
            "one lasts about 30 seconds."
        )
    return _(
        "That code did not work. Enter the code your authenticator app shows now, or a "
        "recovery code you have not used yet."
    )


def _under_newest_key(ring: KeyRing, value: str) -> str:
    return ring.rotate(value) if KeyRing.is_encrypted(value) else ring.encrypt(value)


@transaction.atomic
def encrypt_stored_mfa_secrets() -> int:
    """Rewrite every stored TOTP secret and recovery-code seed (and codes carried over from
    another system) under the newest key: plain-text ones stored before Rapport encrypted
    them, and those under an older key before that key is retired. Returns how many
    authenticators were rewritten. Locks the rows: a recovery code used meanwhile must not
    come back unused."""
    ring = keyring()
    rewritten = 0
    kinds = [Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    for authenticator in Authenticator.objects.select_for_update().filter(type__in=kinds):
        data = dict(authenticator.data)
        for field in ("secret", "seed"):
            if isinstance(data.get(field), str):
                data[field] = _under_newest_key(ring, data[field])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [
                _under_newest_key(ring, code) for code in data["migrated_codes"]
            ]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])
            rewritten += 1
    return rewritten
