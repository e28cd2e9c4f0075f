"""docs/deploy.md cannot drift from the code (issue 17, point 2): every setting it names is in the
settings table, every route it names is in the app's url_map, nginx's body limits and upstream
match the app's limits and the unit's ExecStart, and that ExecStart is a command `advisor` runs."""
from __future__ import annotations

import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from knowledge import settings
from webhook import cli, errors

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
UNIT = (ROOT / "docs" / "advisor.service").read_text(encoding="utf-8")
SETTING = re.compile(r"\b(?:ADVISOR|WECHAT|WECOM)_[A-Z0-9_]+\b")
# A route as written in prose (`/api/v1/ask`) or as the path of a URL (https://host/webhooks/wechat);
# the singular /webhook/ and /health are there to catch the likeliest slips.
ROUTE = re.compile(r"(?<![\w.$-])/(?:api|webhooks?|console|health\w*)\b[\w/.<>-]*")
URL_PATH = re.compile(r"https?://[\w.:-]+(/[\w/.<>-]*)")
UNITS = {"k": 1024, "m": 1024 * 1024}


def mentioned_routes() -> set[str]:
    paths = set(ROUTE.findall(GUIDE)) | set(URL_PATH.findall(GUIDE))
    return {path.rstrip(".") for path in paths if ROUTE.fullmatch(path.rstrip("."))}


def test_every_setting_the_guide_names_is_in_the_settings_table():
    named = set(SETTING.findall(GUIDE)) | set(SETTING.findall(UNIT))
    assert named - set(settings.BY_NAME) == set()
    channel_settings = {name for name in settings.BY_NAME if name.startswith(("WECHAT_", "WECOM_"))}
    registration = channel_settings - {"WECHAT_API_BASE", "WECOM_API_BASE", "WECHAT_REPLY_DEADLINE"}
    assert registration | {"ADVISOR_DATA_DIR", "ADVISOR_TRUSTED_PROXIES", "ADVISOR_API_TOKEN"} <= named


def test_every_route_the_guide_names_is_in_the_url_map(app):
    routes = mentioned_routes()
    assert {"/webhooks/wechat", "/webhooks/wecom", "/api/v1/ask", "/healthz", "/console/import/"} <= routes
    adapter = app.url_map.bind("advisor.example.org")
    missing = []
    for path in sorted(routes):
        try:
            adapter.match(path)
        except (MethodNotAllowed, RequestRedirect):  # the route is there: POST-only, or wants its slash
            pass
        except NotFound:
            missing.append(path)
    assert missing == []


def test_the_guide_shows_the_unit_that_ships():
    shown = re.search(r"```ini\n(.*?)```", GUIDE, re.S).group(1)
    assert shown == UNIT


def test_the_units_exec_start_is_an_advisor_command_and_nginx_proxies_to_it(data_dir, monkeypatch):
    from webhook.metrics import SHARED_DIR_ENV

    monkeypatch.setenv(SHARED_DIR_ENV, "")  # `advisor serve` names its metrics dir for gunicorn: unset again after
    program, *args = shlex.split(_unit_value("ExecStart"))
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts.get(Path(program).name) == "webhook.cli:main"
    assert Path(program).is_relative_to(_unit_value("WorkingDirectory"))  # the checkout's own .venv
    started = []
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(argv))
    monkeypatch.setattr(os, "umask", lambda mask: mask)  # `advisor` sets 077; not for this test process
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    (argv,) = started
    assert set(re.findall(r"proxy_pass (\S+);", GUIDE)) == {f"http://{argv[argv.index('--bind') + 1]}"}


def test_nginx_body_limits_are_the_apps(app):
    upload_path = next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint in errors.UPLOAD_LIMITS)
    limits = {match[0]: _bytes(match[1]) for match in re.findall(
        r"location = (\S+) \{\s*client_max_body_size (\d+[km]?);", GUIDE)}
    assert limits[upload_path] >= settings.BY_NAME["ADVISOR_IMPORT_MAX_BYTES"].default + errors.FORM_OVERHEAD
    elsewhere = {_bytes(size) for size in re.findall(r"client_max_body_size (\d+[km]?);", GUIDE)} - {
        limits[upload_path]}
    assert elsewhere == {settings.BY_NAME["ADVISOR_MAX_BODY_BYTES"].default}


def _unit_value(key: str) -> str:
    (value,) = re.findall(rf"^{key}=(.+)$", UNIT, re.M)
    return value


def _bytes(size: str) -> int:
    return int(size.rstrip("km")) * UNITS.get(size[-1], 1)


@pytest.mark.parametrize("slip", ["/webhook/wechat", "/health", "/api/v1/answer"])
def test_a_misspelt_route_would_be_caught(app, slip):
    assert slip in {path for path in ROUTE.findall(f"call {slip} here")}
    with pytest.raises(NotFound):
        app.url_map.bind("advisor.example.org").match(slip)
