"""``manage.py check --deploy`` passes for a production-like environment, and the check is real.

Each case runs the check in a subprocess with an environment built from
scratch: the settings are read from environment variables at import, and the
test command itself sets some of them (plain-HTTP overrides) that must not
leak into the production-like run.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NO_ISSUES = "System check identified no issues (0 silenced)."


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "abs_platform.settings",
        "ABS_VAR_DIR": str(tmp_path / "var"),  # keeps the embedded default's files out of the repository
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "abs.example.com",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(overrides)
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_like_environment_passes_the_deploy_check(tmp_path):
    result = check_deploy(production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert result.stdout.strip() == NO_ISSUES
    assert "WARNING" not in output.upper()
    assert "security." not in output


def test_debug_on_fails_the_deploy_check(tmp_path):
    result = check_deploy(production_env(tmp_path, DEBUG="true"))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "SystemCheckError" in output
    # DEBUG itself, and the defaults that relax with it (plain HTTP, no HSTS, cookies not Secure).
    for code in ("security.W018", "security.W004", "security.W008", "security.W012", "security.W016"):
        assert f"({code})" in output, f"{code} missing from:\n{output}"


@pytest.mark.parametrize(
    ("variable", "value", "code"),
    [
        ("SECURE_SSL_REDIRECT", "false", "security.W008"),
        ("SESSION_COOKIE_SECURE", "false", "security.W012"),
        ("CSRF_COOKIE_SECURE", "false", "security.W016"),
        ("SECURE_HSTS_SECONDS", "0", "security.W004"),
        ("SECRET_KEY", "too-short", "security.W009"),
    ],
)
def test_each_insecure_override_is_reported(tmp_path, variable, value, code):
    result = check_deploy(production_env(tmp_path, **{variable: value}))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"({code})" in output, output
    assert "System check identified 1 issue (0 silenced)." in output
