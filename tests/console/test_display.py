"""How people read on console pages: chat users by channel and the end of their id, accounts by name."""
from webhook.console.display import actor, person


def test_people_are_named_by_channel_and_the_end_of_their_id():
    assert person("wechat:oAbCdEfa1b2") == "微信用户 ···a1b2"
    assert person("api:u-fall") == "网页用户 ···fall"
    assert person("wecom:zhangsan") == "企业微信用户 ···gsan"
    assert person("bare-id") == "用户 ···e-id" and person("") == "用户"


def test_actors_read_as_names():
    assert actor("console:顾问小王") == "顾问小王" and actor("bot") == "机器人" and actor("cli") == "命令行"
    assert actor("") == "—"
