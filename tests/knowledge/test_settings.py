import socket
from pathlib import Path

import pytest

from knowledge import settings

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_in_the_readme(setting):
    assert f"`{setting.name}`" in README.read_text(encoding="utf-8"), f"{setting.name} missing from README"


def test_defaults_apply_when_unset():
    values = settings.load({})
    assert values["ADVISOR_DATA_DIR"] == Path("./instance")
    assert values["ADVISOR_MAX_BODY_BYTES"] == 65536


def test_a_bad_value_names_the_variable():
    with pytest.raises(settings.SettingError, match="ADVISOR_MAX_BODY_BYTES"):
        settings.load({"ADVISOR_MAX_BODY_BYTES": "-3"})


def test_design_settings_are_all_in_the_table():
    required = {"ADVISOR_DATA_DIR", "ADVISOR_API_TOKEN", "ADVISOR_SECRET_KEY", "WECHAT_TOKEN", "WECHAT_APP_ID",
                "WECHAT_APP_SECRET", "WECHAT_ENCODING_AES_KEY", "WECOM_TOKEN", "WECOM_CORP_ID",
                "WECOM_ENCODING_AES_KEY", "WECOM_AGENT_ID", "WECOM_SECRET"}
    assert required <= set(settings.BY_NAME)


def test_a_database_url_must_be_postgresql_or_unset():
    """A typo (mysql://, a bare host name) must not quietly leave each node on its own SQLite."""
    assert settings.load({})["ADVISOR_DATABASE_URL"] == ""
    url = "postgresql://advisor@db.internal/advisor"
    assert settings.load({"ADVISOR_DATABASE_URL": url})["ADVISOR_DATABASE_URL"] == url
    with pytest.raises(settings.SettingError, match="ADVISOR_DATABASE_URL") as refused:
        settings.load({"ADVISOR_DATABASE_URL": "advisor:s3cret@db.internal/advisor"})
    assert "s3cret" not in str(refused.value)


def test_a_node_is_named_after_its_host_unless_told():
    """Two nodes on one machine (or two containers sharing its host name) are two nodes of the
    shared ledger only under names of their own."""
    assert settings.load({})["ADVISOR_NODE_NAME"] == socket.gethostname()
    assert settings.load({"ADVISOR_NODE_NAME": " node-b "})["ADVISOR_NODE_NAME"] == "node-b"
    with pytest.raises(settings.SettingError, match="ADVISOR_NODE_NAME"):
        settings.load({"ADVISOR_NODE_NAME": "node b"})
