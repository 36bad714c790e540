"""Configuration read from the environment, with safe defaults for a local install."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one generated once into the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(instance_path: str) -> dict:
    """Build the configuration mapping of the application."""
    env = os.environ
    https = env.get("TERRAIN_HTTPS", "0") == "1"
    session_hours = int(env.get("TERRAIN_SESSION_ABSOLUTE_HOURS", "12"))
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "DATABASE_URL": env.get(
            "DATABASE_URL", "sqlite:///" + str(Path(instance_path) / "terrain.sqlite")
        ),
        "UPLOAD_FOLDER": str(Path(instance_path) / "uploads"),
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_NAME": "terrain_session",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        # The cookie, set at login, lasts as long as the server session can (its absolute end): signing it again
        # on every response would add 250 bytes and a signature to each, for nothing.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours),
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_ABSOLUTE_HOURS": session_hours,
        "SESSION_IDLE_MINUTES": {
            "supervisor": int(env.get("TERRAIN_IDLE_SUPERVISOR", "120")),
            "counsellor": int(env.get("TERRAIN_IDLE_COUNSELLOR", "60")),
            "coordinator": int(env.get("TERRAIN_IDLE_COORDINATOR", "60")),
            "director": int(env.get("TERRAIN_IDLE_DIRECTOR", "30")),
            "admin": int(env.get("TERRAIN_IDLE_ADMIN", "30")),
        },
        "TOTP_REQUIRED_ROLES": tuple(
            r.strip() for r in env.get("TERRAIN_TOTP_REQUIRED_ROLES", "director,admin").split(",") if r.strip()
        ),
        "AUDIT_RETENTION_MONTHS": int(env.get("TERRAIN_AUDIT_RETENTION_MONTHS", "12")),
        # Failed logins in the window: per account from unknown browsers, and per known browser.
        "LOGIN_MAX_FAILURES": 10,
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        # Failed logins from one address (unknown browsers), and accounts tried from one address that
        # make direction hear of a password spray.
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
        "LOGIN_SPRAY_ACCOUNTS": 4,
        # Behind a reverse proxy: how many proxies set X-Forwarded-For (the address throttling counts).
        # The public address of Terrain: links in e-mails and notifications, Open Badges ids.
        "TERRAIN_BASE_URL": env.get("TERRAIN_BASE_URL", "http://127.0.0.1:5000"),
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        # Reverse proxies in front of Terrain whose X-Forwarded-For/-Proto/-Host headers are believed (0: none).
        "PROXY_HOPS": int(env.get("TERRAIN_PROXIES", "0")),
        "HTTPS": https,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_FROM": env.get("MAIL_FROM", "terrain@localhost"),
        # Responses (pages, fragments, CSS, JS, JSON, SVG) go out in brotli or gzip, whichever the browser takes.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 500,
        # Seconds to wait for each SMTP answer (a relay may take a while to answer DATA).
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "60")),
    }
