"""Django settings, read from the environment with safe defaults.

Every ``RAPPORT_*`` variable is documented in docs/configuration.md. A bad value stops
start-up with a :class:`rapport.lib.env.ConfigError` naming the variable.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from rapport.lib.crypto import CryptoError, KeyRing, generate_key, read_key_file
from rapport.lib.env import (
    ConfigError,
    check_account_rate_limits,
    check_allowed_hosts,
    check_base_url,
    check_database_url,
    check_log_level,
    check_rate_limits,
    check_time_zone,
    env_bool,
    env_int,
    env_list,
    env_str,
)
from rapport.lib.private_files import private_dir, private_file

PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("RAPPORT_DEBUG", False)
# Demo mode: a single practitioner's laptop, bound to 127.0.0.1 by `rapport demo`.
DEMO = env_bool("RAPPORT_DEMO", False)
# Served over HTTPS, behind a proxy that sets X-Forwarded-Proto (secure cookies, HSTS, and
# https:// check-in links; see below).
HTTPS = env_bool("RAPPORT_HTTPS", not (DEBUG or DEMO))

DATA_DIR = Path(env_str("RAPPORT_DATA_DIR", str(Path.cwd() / "data")) or "data").resolve()

# Folders and files holding secrets or the SQLite database, as this configuration uses them:
# `rapport serve` and Django's system checks warn when other accounts on the machine can
# reach them (rapport.core.checks), since those created before Rapport made them private
# keep their old permissions.
PRIVATE_PATHS: list[str] = []


def _private_data_dir() -> None:
    """Create the data folder readable by this account only (DATA_DIR holds the keys and
    the SQLite database). An existing folder keeps its permissions."""
    try:
        private_dir(DATA_DIR)
    except OSError as error:
        raise ConfigError(f"RAPPORT_DATA_DIR: cannot create {DATA_DIR}: {error.strerror}") from None
    if str(DATA_DIR) not in PRIVATE_PATHS:
        PRIVATE_PATHS.append(str(DATA_DIR))


def _local_secret(filename: str, make: object) -> str:
    """A secret kept in the data folder, created on first use (demo and debug only)."""
    path = DATA_DIR / filename
    _private_data_dir()
    if not path.exists():
        private_file(path)  # 0600 from the start, before the secret is written
        path.write_text(make() + "\n", encoding="ascii")  # type: ignore[operator]
    PRIVATE_PATHS.append(str(path))
    return path.read_text(encoding="ascii").strip()


_secret = env_str("RAPPORT_SECRET_KEY")
if _secret is None:
    if not (DEBUG or DEMO):
        raise ConfigError(
            "RAPPORT_SECRET_KEY is required outside demo/debug mode "
            "(generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    _secret = _local_secret("secret-key", lambda: secrets.token_urlsafe(50))
elif len(_secret) < 32:
    raise ConfigError("RAPPORT_SECRET_KEY must be at least 32 characters long.")
SECRET_KEY = _secret

# Encryption keys for free-text client data: newest first. From RAPPORT_ENCRYPTION_KEYS
# (comma-separated) or RAPPORT_ENCRYPTION_KEY_FILE (one per line).
_key_file = env_str("RAPPORT_ENCRYPTION_KEY_FILE")
if env_str("RAPPORT_ENCRYPTION_KEYS") and _key_file:
    # One would silently win: keys added to the file (a rotation) would then be ignored,
    # or the file's retired keys missing, and which one wins is not obvious to anyone.
    raise ConfigError(
        "RAPPORT_ENCRYPTION_KEYS and RAPPORT_ENCRYPTION_KEY_FILE are both set: set only one "
        "(the key file is the recommended one)."
    )
if env_str("RAPPORT_ENCRYPTION_KEYS"):
    _key_source = "RAPPORT_ENCRYPTION_KEYS"
    ENCRYPTION_KEYS = env_list("RAPPORT_ENCRYPTION_KEYS", [])
elif _key_file:
    _key_source = "RAPPORT_ENCRYPTION_KEY_FILE"
    PRIVATE_PATHS.append(str(Path(_key_file).resolve()))
    try:
        ENCRYPTION_KEYS = read_key_file(_key_file)
    except Exception as error:  # noqa: BLE001 - re-raised with the variable's name
        raise ConfigError(f"RAPPORT_ENCRYPTION_KEY_FILE: {error}") from None
elif DEBUG or DEMO:
    _key_source = f"the demo key file {DATA_DIR / 'encryption-key'}"
    ENCRYPTION_KEYS = [_local_secret("encryption-key", generate_key)]
else:
    raise ConfigError(
        "RAPPORT_ENCRYPTION_KEYS or RAPPORT_ENCRYPTION_KEY_FILE is required outside "
        "demo/debug mode (create a key with `rapport keygen`)."
    )
if not ENCRYPTION_KEYS:
    raise ConfigError(f"{_key_source} names no key.")
# A malformed key would otherwise pass `migrate` and crash the first command that reads
# or writes client text. Each key is checked on its own so the message can say which
# (never the key itself: it is a secret).
for _number, _key in enumerate(ENCRYPTION_KEYS, start=1):
    try:
        KeyRing([_key])
    except CryptoError:
        raise ConfigError(
            f"{_key_source}: key {_number} of {len(ENCRYPTION_KEYS)} is not a valid key "
            "(expected 32 url-safe base64-encoded bytes; create one with `rapport keygen`)."
        ) from None

# Bare host names only: an entry with a scheme, port or path never matches a request, and
# every page would answer 400 (DisallowedHost) instead of start-up saying what is wrong.
# "*" only in demo and debug (check_allowed_hosts says why).
ALLOWED_HOSTS = check_allowed_hosts(
    env_list("RAPPORT_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or DEMO) else []),
    refuse_any=not (DEBUG or DEMO),
)
if not ALLOWED_HOSTS and not (DEBUG or DEMO):
    ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = env_list("RAPPORT_CSRF_TRUSTED_ORIGINS", [])

# How long a client's check-in link stays valid (single use either way).
CHECKIN_LINK_HOURS = env_int("RAPPORT_CHECKIN_LINK_HOURS", 72, minimum=1, maximum=24 * 14)

# Public base URL used in check-in links and QR codes (e.g. https://rapport.example.org).
# With HTTPS on it must be an https:// address: a client's phone opening a link for the first
# time has no HSTS for the server yet, so an http:// link sends the token in clear text before
# any redirect could help. Demo and debug run on one laptop: http:// on loopback stays allowed.
_base_url = env_str("RAPPORT_BASE_URL")
if _base_url is None and HTTPS and not (DEBUG or DEMO):
    raise ConfigError(
        "RAPPORT_BASE_URL is required with RAPPORT_HTTPS on: set it to the https:// address "
        "clients open their check-in links at (e.g. https://rapport.example.org)."
    )
BASE_URL = check_base_url(
    _base_url or "http://127.0.0.1:8000", require_https=HTTPS, loopback_http=DEBUG or DEMO
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "rapport.core",
    "rapport.accounts",
    "rapport.audit",
    "rapport.clinic",
    "rapport.measures",
    "rapport.checkins",
    "rapport.monitoring",
    "rapport.guidance",
    "rapport.transcripts",
    "rapport.matching",
    "rapport.api",
]

MIDDLEWARE = [
    # /healthz before everything: answered for a local plain-HTTP probe whatever its Host,
    # without the HTTPS redirect or a DisallowedHost error (rapport.core.health).
    "rapport.core.health.HealthCheckMiddleware",
    # Then: every audit row of one request, whichever middleware or view writes it,
    # carries the same request id (rapport.audit.context).
    "rapport.audit.middleware.AuditRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy everywhere, no referrer from the client's pages. After (inside)
    # SecurityMiddleware, so its site-wide Referrer-Policy does not replace the client pages'.
    "rapport.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A session ends SESSION_MAX_HOURS after its sign-in, however active (below).
    "rapport.accounts.middleware.SessionLifetimeMiddleware",
    "rapport.accounts.middleware.RequirePasswordChangeMiddleware",
    "rapport.accounts.middleware.RequireMFAMiddleware",
    "rapport.core.middleware.NoStoreMiddleware",
    # On the clinic's shared tablet, signed out: the way to the sign-in page names no client
    # record (Back after the hand-over reached /accounts/login/?next=/clients/<id>/).
    "rapport.checkins.middleware.TabletSignInMiddleware",
]

# Uploads never touch the disk: Django's default handler writes a file over 2.5 MB to the
# temporary folder in plain text as it arrives, and a transcript is client free text, kept
# encrypted at rest (DESIGN §5). This handler keeps a file in memory up to the largest size a
# page accepts (the transcript limit, rapport.transcripts.forms.MAX_UPLOAD_BYTES) and drops
# the rest of a larger one as it arrives, so the form can say how large it was.
FILE_UPLOAD_HANDLERS = ["rapport.core.uploads.MemoryOnlyUploadHandler"]
# Every upload form takes one file: a request with more is not from Rapport's pages, and each
# file would be held in memory.
DATA_UPLOAD_MAX_NUMBER_FILES = 1
# Everything else in a request body (form fields; files are counted above). The longest field
# is a 10,000-character note: at most about 120 kB once percent-encoded. 1 MB leaves room to
# spare while bounding what one request can make a worker hold (Django's default: 2.5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rapport.core.context_processors.rapport",
            ],
        },
    }
]


# SQLite through Django's backend, but the first connection creates the database file 0600
# (and the data folder 0700) before SQLite opens it: reading the settings creates nothing.
PRIVATE_SQLITE_ENGINE = "rapport.core.private_sqlite3"

_database_url = env_str("RAPPORT_DATABASE_URL")
if _database_url:
    check_database_url(_database_url)
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except Exception as error:  # noqa: BLE001 - one clear line instead of a traceback
        raise ConfigError(f"RAPPORT_DATABASE_URL could not be read: {error}") from None
    _sqlite_name = str(DATABASES["default"].get("NAME") or "")
    _sqlite_file = DATABASES["default"]["ENGINE"].endswith("sqlite3") and _sqlite_name not in {
        "",
        ":memory:",
    }
    # A missing folder is left for SQLite to report (`rapport migrate` says so in one line).
    if _sqlite_file and not Path(_sqlite_name).is_absolute():
        # A relative path is taken from the folder each command runs in: a cron job (run in
        # the home folder) would open, or find missing, another database than the server's.
        raise ConfigError(
            f"RAPPORT_DATABASE_URL names a relative SQLite path ({_sqlite_name}), which would "
            "depend on the folder each command runs in: give an absolute one, with four "
            f"slashes (sqlite:///{Path(_sqlite_name).resolve()})."
        )
    if _sqlite_file:
        DATABASES["default"]["ENGINE"] = PRIVATE_SQLITE_ENGINE
        PRIVATE_PATHS.append(str(Path(_sqlite_name).resolve()))
else:
    # The database holds live sessions and MFA secrets: a private folder, a 0600 file, made
    # when the database is first opened (not here: a command run in the wrong folder, or
    # one that never opens the database, leaves no empty ./data behind).
    PRIVATE_PATHS += [str(DATA_DIR), str(DATA_DIR / "rapport.sqlite3")]
    DATABASES = {
        "default": {
            "ENGINE": PRIVATE_SQLITE_ENGINE,
            "NAME": str(DATA_DIR / "rapport.sqlite3"),
            # WAL and a busy timeout let the web process and a worker share the file.
            # secure_delete: deleted rows are overwritten with zeros, so text that the
            # retention rule deletes does not linger in the file's free pages.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# allauth's backend alone: it signs in by email (and is Django's ModelBackend otherwise,
# permissions included). With ModelBackend listed too, every failed sign-in checked the
# password twice (two Argon2 hashes of the server's time for one wrong guess). For an
# email that is no account's it hashes the password all the same, so a failed sign-in
# takes as long whether the account exists or not.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
# Argon2 first: new and re-hashed passwords use it (DESIGN §5).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "caseload"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: staff accounts are created by a clinic admin, never by sign-up.
ACCOUNT_ADAPTER = "rapport.accounts.adapter.ClinicAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# No mail to an address that has no account. allauth's default mails it an invitation to
# sign up, which is closed here (a dead end for a clinician who mistyped their address),
# and lets anyone make the server mail any address. The reset page still answers the same
# either way ("If that address has an account..."), so it tells nobody who has one.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Mail the account's owner when its password or two-factor set-up changes (password
# changed or reset, authenticator app turned on or off, recovery codes made anew): if
# someone else took the account over, its owner hears of it in their mailbox, not only at
# their next sign-in. The wording is the app's (templates/account/email/, mfa/email/).
# Without a mail server the mail is discarded like any other (EMAIL_BACKEND below).
ACCOUNT_EMAIL_NOTIFICATIONS = True
# allauth's forms with the app's labels (its flows unchanged): rapport.accounts.forms.
ACCOUNT_FORMS = {
    "change_password": "rapport.accounts.forms.OwnPasswordChangeForm",
    "reset_password": "rapport.accounts.forms.ResetPasswordByEmailForm",
    "reset_password_from_key": "rapport.accounts.forms.ResetPasswordFromLinkForm",
    "reauthenticate": "rapport.accounts.forms.ReauthenticateWithPasswordForm",
}
# Throttle failed logins (allauth's limiter, DESIGN §5). A limit per account alone lets
# anyone who knows a clinician's email lock them out (5 wrong passwords from anywhere stop
# the right one everywhere); no limit per account at all lets a guessing run spread over
# many addresses go on without end. So the tight limits count per account *at one address*
# and per address ("login_failed": 5 per 5 minutes and 10 an hour per account at one
# address, 20 per 5 minutes per address; the account adapter makes allauth's "key" the
# account and the address), and a higher ceiling counts per account from every address
# ("login_failed_account": 30 an hour): out of reach of anyone's typos, and it holds a
# distributed run to 720 guesses a day. One address reaches at most 10 of the 30, so keeping
# an account shut takes wrong passwords from at least three addresses (the price left).
ACCOUNT_RATE_LIMITS = {
    "login_failed": check_rate_limits(
        env_str("RAPPORT_LOGIN_FAILED_LIMIT", "5/5m/key,10/1h/key,20/5m/ip") or ""
    ),
    # rapport.accounts.adapter.LOGIN_FAILED_PER_ACCOUNT
    "login_failed_account": check_account_rate_limits(
        env_str("RAPPORT_LOGIN_FAILED_ACCOUNT_LIMIT", "30/1h/key") or ""
    ),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Rapport"
# TOTP secrets and recovery-code seeds are stored encrypted with RAPPORT_ENCRYPTION_KEYS:
# in plain text, a copy of the database would hand out everyone's second factor.
MFA_ADAPTER = "rapport.accounts.mfa_adapter.ClinicMFAAdapter"
# allauth's two-factor forms with the app's labels, no placeholders (its checks and flows
# unchanged): rapport.accounts.mfa_forms.
MFA_FORMS = {
    "authenticate": "rapport.accounts.mfa_forms.SignInCodeForm",
    "reauthenticate": "rapport.accounts.mfa_forms.ConfirmAccessWithCodeForm",
    "activate_totp": "rapport.accounts.mfa_forms.ActivateAuthenticatorAppForm",
}

# Log out after inactivity (default 30 minutes): the session expires that long after
# the last request, and closing the browser ends it.
SESSION_TIMEOUT_MINUTES = env_int("RAPPORT_SESSION_TIMEOUT_MINUTES", 30, minimum=1, maximum=24 * 60)
SESSION_COOKIE_AGE = SESSION_TIMEOUT_MINUTES * 60
# And however active, a session ends this many hours after its sign-in (default 12): the
# idle timeout alone keeps a session used now and then open for ever
# (rapport.accounts.middleware.SessionLifetimeMiddleware; the API's tokens and a client's
# check-in pages are not sessions of staff, and are not affected).
SESSION_MAX_HOURS = env_int("RAPPORT_SESSION_MAX_HOURS", 12, minimum=1, maximum=7 * 24)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Served over HTTPS (HTTPS, read at the top): secure cookies, HSTS.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    # "__Host-": browsers accept these cookies only if set over HTTPS, Secure, with Path=/
    # and no Domain, so neither a sibling subdomain nor a plain-HTTP answer on the network
    # can set or overwrite the session or CSRF cookie (session fixation, a chosen CSRF
    # token). Django's defaults for SESSION_/CSRF_COOKIE_PATH ("/") and _DOMAIN (None)
    # are what the prefix needs: keep them. Over plain HTTP (demo, debug) browsers would
    # refuse such cookies, so the usual names stay. Changing the names signs everyone out
    # once (docs/configuration.md).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("RAPPORT_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    # HSTS for the host's subdomains too: a name under Rapport's is never reached over
    # plain HTTP, where whoever is on the network could answer it and set cookies for
    # Rapport's. Off (RAPPORT_HSTS_INCLUDE_SUBDOMAINS=0) only where Rapport is served on a
    # name whose subdomains are other services that still need plain HTTP (a shared
    # domain's own name, `example.org/rapport` beside `intranet.example.org`).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RAPPORT_HSTS_INCLUDE_SUBDOMAINS", True)
# How many proxies in front append to X-Forwarded-For (behind a TLS-terminating proxy, 1).
# The client's address is that many entries from the right: entries further left are
# whatever the client sent, and trusting them would let anyone choose the address that
# the audit log records and the login throttle counts.
TRUSTED_PROXIES = env_int("RAPPORT_TRUSTED_PROXIES", 1 if HTTPS else 0, minimum=0, maximum=5)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXIES
# In the database, shared by every worker process on every host (per-process memory would
# give each its own count of failed logins), and no state is kept outside the database
# (DESIGN §6). `rapport migrate` creates the table. It holds only rate limits (counts,
# their locks, the API's list of live token prefixes). Past MAX_ENTRIES live entries,
# each write deletes a third of them, counts included: Django's default of 300 would let
# a burst of new addresses wipe every other address's count. Each write also counts the
# table's rows, so the ceiling is not made unlimited.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "rapport_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): only our own scripts, styles and images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = check_time_zone(env_str("RAPPORT_TIME_ZONE", "Europe/London") or "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Demo and debug serve static files straight from the package; `rapport serve` collects them.
WHITENOISE_USE_FINDERS = DEBUG or DEMO or env_bool("RAPPORT_STATIC_FROM_PACKAGE", False)
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT = None  # nothing is collected; WhiteNoise serves from the package

EMAIL_CONFIGURED = bool(env_str("RAPPORT_EMAIL_HOST"))
# Without a mail server, mail is discarded: printing it (Django's console backend) would
# put password-reset links in the server's logs. Demo and debug print it, for trying out.
# A demo never sends mail, even with a mail server set: its accounts and addresses are
# made up, and its passwords are published.
if EMAIL_CONFIGURED and not DEMO:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG or DEMO:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# "Forgot your password?" emails a link: offered only where mail can arrive. Elsewhere
# the clinic's server administrator sets a new one (`rapport set-password`).
PASSWORD_RESET_BY_EMAIL = EMAIL_CONFIGURED or DEBUG or DEMO
# A reset link opens the account to whoever holds it, and mail sits in inboxes, forwards
# and backups: it works for one hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = 60 * 60
EMAIL_HOST = env_str("RAPPORT_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("RAPPORT_EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("RAPPORT_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("RAPPORT_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("RAPPORT_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env_str("RAPPORT_EMAIL_FROM", "rapport@localhost")

# Logs never carry client free text: only ids, actions and counts are logged. The request
# loggers write paths, so check-in tokens and password-reset keys are redacted from them.
LOG_LEVEL = check_log_level(env_str("RAPPORT_LOG_LEVEL", "INFO") or "INFO")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")  # least to most severe
# Django's own loggers follow RAPPORT_LOG_LEVEL (ERROR hides its warnings: a 404 or 410 line
# per request, a refused host), with floors. Django's DEBUG lines are never written, even at
# DEBUG: they can carry client data (django.db.backends logs every query with its
# parameters, django.template the repr of the object a failed lookup was made on); SQL stays
# at WARNING as before. And a request that failed with a 500 is always logged
# (django.request's ERROR, with its traceback): it is the one line that says why a page
# broke, so even RAPPORT_LOG_LEVEL=CRITICAL keeps it.
_DJANGO_LEVEL = max(LOG_LEVEL, "INFO", key=_LEVELS.index)
_DJANGO_SQL_LEVEL = max(LOG_LEVEL, "WARNING", key=_LEVELS.index)
_DJANGO_REQUEST_LEVEL = min(_DJANGO_LEVEL, "ERROR", key=_LEVELS.index)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "secret_paths": {"()": "rapport.lib.redact.RedactSecretPaths"},
        "refused_host_line": {"()": "rapport.core.log_filters.RefusedHostLine"},
    },
    # The filter sits on the handler as well as on the request loggers: a logger's own
    # filters never see its children's records, and django.security logs the path through
    # one child per problem (django.security.csrf's "Forbidden (CSRF cookie not set.):
    # /c/<token>/", django.security.DisallowedHost, ...). On the handler it redacts every
    # record that is written, whatever logger it came from.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["secret_paths"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": LOG_LEVEL,
    },
    "loggers": {
        # Django's default handlers on "django" (a console for DEBUG, mail_admins) would
        # write django.security's records before they reach the filtered console above:
        # its records go to the root's handlers only.
        "django": {"handlers": [], "level": _DJANGO_LEVEL, "propagate": True},
        "django.db.backends": {"level": _DJANGO_SQL_LEVEL},
        # Its records reach the console whatever the root's level (a handler, not the root
        # logger's level, filters what propagates), so this level alone decides.
        "django.request": {"filters": ["secret_paths"], "level": _DJANGO_REQUEST_LEVEL},
        "django.security": {"filters": ["secret_paths"]},
        # A request for a host not in RAPPORT_ALLOWED_HOSTS: one warning line, not an error
        # with a traceback (anyone can send them at will; they are still answered 400).
        "django.security.DisallowedHost": {"filters": ["refused_host_line"]},
        # The development server's request lines (make demo); propagate=False as in Django.
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "filters": ["secret_paths"],
            "propagate": False,
        },
    },
}
