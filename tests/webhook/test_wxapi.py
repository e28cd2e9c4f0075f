"""The outbound WeChat / WeCom client against a local fake of Tencent's APIs."""
from __future__ import annotations

import logging
import multiprocessing
import socket
import threading

import pytest

from tests.webhook.fake_wechat import APP_ID, APP_SECRET, CORP_ID, CORP_SECRET, fake_wechat  # noqa: F401
from webhook.channels.wxapi import AccessTokens, SendError, UrllibHttp, WeChatApi, WeComApi, mask

ELDER = "o-elder-openid"


@pytest.fixture
def tokens(channels_target) -> AccessTokens:
    """Each test that uses it runs on a channels.db file and on PostgreSQL."""
    tokens = AccessTokens(channels_target)
    yield tokens
    tokens.close()


def wechat(fake, tokens, **kwargs) -> WeChatApi:
    return WeChatApi(fake.url, APP_ID, APP_SECRET, tokens, **kwargs)


def wecom(fake, tokens) -> WeComApi:
    return WeComApi(fake.url, CORP_ID, CORP_SECRET, "1000002", tokens)


def test_send_text_posts_a_customer_service_message(fake_wechat, tokens):
    wechat(fake_wechat, tokens).send_text(ELDER, "您好，长者饭堂在社区中心一楼。")
    token_call, send_call = fake_wechat.requests
    assert token_call.path == "/cgi-bin/token"
    assert token_call.query == {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    assert send_call.method == "POST" and send_call.query == {"access_token": "tok-1"}
    assert send_call.body == {"touser": ELDER, "msgtype": "text",
                              "text": {"content": "您好，长者饭堂在社区中心一楼。"}}


def test_body_is_utf8_json_not_ascii_escapes():
    seen = []

    class Capture(UrllibHttp):
        def _request(self, method, url, body):
            request = super()._request(method, url, body)
            seen.append(request)
            raise OSError("stop here")

    with pytest.raises(SendError):
        Capture()("POST", "http://127.0.0.1:9/x", {"text": {"content": "助餐"}})
    assert "助餐".encode("utf-8") in seen[0].data and b"\\u" not in seen[0].data
    assert seen[0].get_header("Content-type") == "application/json; charset=utf-8"


def test_token_is_fetched_once_and_shared_by_instances_on_one_db(fake_wechat, channels_target):
    for text in ("一", "二"):
        tokens = AccessTokens(channels_target)
        wechat(fake_wechat, tokens).send_text(ELDER, text)
        tokens.close()
    assert len(fake_wechat.token_requests()) == 1
    assert [call.query["access_token"] for call in fake_wechat.send_requests()] == ["tok-1", "tok-1"]


def test_token_near_expiry_is_refreshed(channels_target):
    now = [1000.0]
    tokens = AccessTokens(channels_target, margin=300, clock=lambda: now[0])
    issued = iter(["a", "b"])
    fetch = lambda: (next(issued), 7200)  # noqa: E731
    assert tokens.get("k", fetch) == "a"
    now[0] += 7200 - 301
    assert tokens.get("k", fetch) == "a"
    now[0] += 2
    assert tokens.get("k", fetch) == "b"
    tokens.close()


def test_invalidate_keeps_a_token_another_worker_already_replaced(tokens):
    tokens.get("k", lambda: ("new", 7200))
    tokens.invalidate("k", "old")
    assert tokens.get("k", lambda: ("newer", 7200)) == "new"
    tokens.invalidate("k")
    assert tokens.get("k", lambda: ("newer", 7200)) == "newer"


def test_expired_token_is_refreshed_and_the_message_sent_once(fake_wechat, tokens):
    api = wechat(fake_wechat, tokens)
    api.send_text(ELDER, "第一条")
    fake_wechat.expire("tok-1")
    api.send_text(ELDER, "第二条")
    assert [call.errcode for call in fake_wechat.send_requests()] == [0, 42001, 0]
    assert [body["text"]["content"] for body in fake_wechat.delivered()] == ["第一条", "第二条"]
    assert fake_wechat.send_requests()[-1].query["access_token"] == "tok-2"
    assert len(fake_wechat.token_requests()) == 2


def test_a_second_token_failure_raises(fake_wechat, tokens):
    api = wechat(fake_wechat, tokens)
    api.access_token()
    fake_wechat.expire("tok-1")
    fake_wechat.expire("tok-2")  # the one the retry will fetch
    with pytest.raises(SendError) as caught:
        api.send_text(ELDER, "你好")
    assert caught.value.errcode == 42001
    assert len(fake_wechat.send_requests()) == 2 and fake_wechat.delivered() == []


def test_other_errcode_raises_without_retry(fake_wechat, tokens):
    fake_wechat.fail_sends(1, 45015, "response out of time limit")
    with pytest.raises(SendError) as caught:
        wechat(fake_wechat, tokens).send_text(ELDER, "你好")
    assert (caught.value.errcode, caught.value.errmsg) == (45015, "response out of time limit")
    assert len(fake_wechat.send_requests()) == 1 and len(fake_wechat.token_requests()) == 1


def test_wrong_secret_raises_the_token_error(fake_wechat, tokens):
    with pytest.raises(SendError) as caught:
        WeChatApi(fake_wechat.url, APP_ID, "wrong", tokens).send_text(ELDER, "你好")
    assert caught.value.errcode == 40125 and fake_wechat.send_requests() == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_server_down_raises_a_clear_error(tokens):
    api = WeChatApi(f"http://127.0.0.1:{free_port()}", APP_ID, APP_SECRET, tokens)
    with pytest.raises(SendError) as caught:
        api.send_text(ELDER, "你好")
    assert caught.value.errcode is None
    assert str(caught.value).startswith("cannot reach 127.0.0.1:") and "refused" in str(caught.value)


def test_slow_server_times_out(fake_wechat, tokens):
    fake_wechat.delay(2.0, "/cgi-bin/message/custom/send")
    with pytest.raises(SendError, match=r"timed out after 0.2 s"):
        wechat(fake_wechat, tokens, timeout=0.2).send_text(ELDER, "你好")


@pytest.mark.parametrize("status", [200, 502])
def test_non_json_answer_raises(fake_wechat, tokens, status):
    api = wechat(fake_wechat, tokens)
    api.access_token()
    fake_wechat.garble(1, status)
    with pytest.raises(SendError, match="not JSON" if status == 200 else "HTTP 502"):
        api.send_text(ELDER, "你好")


def test_injected_http_errors_become_send_errors(tokens):
    def broken(method, url, body):
        raise ConnectionResetError(f"reset while calling {url}")

    with pytest.raises(SendError) as caught:
        WeChatApi("http://wx", APP_ID, APP_SECRET, tokens, http=broken).send_text(ELDER, "你好")
    assert APP_SECRET not in str(caught.value) and "ConnectionResetError" in str(caught.value)


def test_send_parts_stops_at_the_first_failure(fake_wechat, tokens):
    api = wechat(fake_wechat, tokens)
    assert api.send_parts(ELDER, ["1/3", "2/3", "3/3"]) == 3
    fake_wechat.fail_sends(1, 45047, "out of response count limit")
    assert api.send_parts(ELDER, ["a", "b", "c"]) == 0
    assert [body["text"]["content"] for body in fake_wechat.delivered()] == ["1/3", "2/3", "3/3"]


def test_secrets_and_tokens_never_reach_the_log(fake_wechat, tokens, caplog):
    caplog.set_level(logging.DEBUG, logger="webhook.channels.wxapi")
    api = wechat(fake_wechat, tokens)
    api.send_text(ELDER, "一")
    fake_wechat.expire()
    api.send_text(ELDER, "二")
    fake_wechat.fail_sends(1)
    api.send_parts(ELDER, ["三"])
    assert "access_token=***" in caplog.text and "secret=***" in caplog.text
    assert APP_SECRET not in caplog.text and "tok-" not in caplog.text


def test_mask_hides_every_secret_parameter():
    url = "https://x/cgi-bin/gettoken?corpid=ww1&corpsecret=S&access_token=T&secret=U"
    assert mask(url) == "https://x/cgi-bin/gettoken?corpid=ww1&corpsecret=***&access_token=***&secret=***"


def test_repr_leaves_out_the_secret(tokens):
    assert APP_SECRET not in repr(WeChatApi("http://wx", APP_ID, APP_SECRET, tokens))
    assert CORP_SECRET not in repr(WeComApi("http://wx", CORP_ID, CORP_SECRET, 7, tokens))


def test_threads_share_one_refresh(fake_wechat, tokens):
    fake_wechat.delay(0.3, "/cgi-bin/token")
    api = wechat(fake_wechat, tokens)
    got = []
    threads = [threading.Thread(target=lambda: got.append(api.access_token())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == ["tok-1"] * 6 and len(fake_wechat.token_requests()) == 1


def send_from_child(db_path, base_url, barrier, text) -> None:
    """Runs in a spawned process: wait for the sibling, then send with an empty token cache."""
    api = WeChatApi(base_url, APP_ID, APP_SECRET, AccessTokens(db_path))
    barrier.wait(30)
    api.send_text(ELDER, text)


@pytest.mark.slow
def test_two_processes_with_an_empty_cache_fetch_one_token(fake_wechat, channels_target):
    fake_wechat.delay(0.5, "/cgi-bin/token")  # long enough that both ask while it is in flight
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    children = [context.Process(target=send_from_child, args=(channels_target, fake_wechat.url, barrier, text))
                for text in ("甲", "乙")]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
        child.close()
    assert len(fake_wechat.token_requests()) == 1
    assert sorted(body["text"]["content"] for body in fake_wechat.delivered()) == ["乙", "甲"]
    assert {call.query["access_token"] for call in fake_wechat.send_requests()} == {"tok-1"}


def test_wecom_uses_gettoken_and_an_integer_agentid(fake_wechat, tokens):
    wecom(fake_wechat, tokens).send_text("zhangsan", "王阿姨的助浴预约已登记。")
    token_call, send_call = fake_wechat.requests
    assert token_call.path == "/cgi-bin/gettoken"
    assert token_call.query == {"corpid": CORP_ID, "corpsecret": CORP_SECRET}
    assert send_call.path == "/cgi-bin/message/send"
    assert send_call.body == {"touser": "zhangsan", "msgtype": "text", "agentid": 1000002,
                              "text": {"content": "王阿姨的助浴预约已登记。"}}


def test_wecom_retries_once_on_an_expired_token(fake_wechat, tokens):
    api = wecom(fake_wechat, tokens)
    api.access_token()
    fake_wechat.expire()
    api.send_text("zhangsan", "你好")
    assert [call.errcode for call in fake_wechat.send_requests()] == [42001, 0]


def test_wecom_invalid_user_is_not_a_delivery(tokens):
    replies = iter([{"errcode": 0, "access_token": "t", "expires_in": 7200},
                    {"errcode": 0, "errmsg": "ok", "invaliduser": "nobody"}])
    api = WeComApi("http://wecom", CORP_ID, CORP_SECRET, 1, tokens, http=lambda *args: next(replies))
    with pytest.raises(SendError) as caught:
        api.send_text("nobody", "你好")
    assert caught.value.errcode == 81013


def test_wechat_and_wecom_tokens_do_not_collide(fake_wechat, tokens):
    wechat(fake_wechat, tokens).send_text(ELDER, "一")
    wecom(fake_wechat, tokens).send_text("zhangsan", "二")
    assert [call.query["access_token"] for call in fake_wechat.send_requests()] == ["tok-1", "tok-2"]
