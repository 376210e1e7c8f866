"""How a response to a stream request is read, by status and declared content type."""

from __future__ import annotations

import httpx
import pytest

from wenxin_core import WenxinClient
from wenxin_core.errors import InvalidRequestError, ServerError, WenxinError

EVENTS = (
    b'data: {"id":"as-1","result":"Hel","sentence_id":0,"is_end":false,'
    b'"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}\n\n'
    b'data: {"id":"as-1","result":"lo","sentence_id":1,"is_end":true,'
    b'"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":4}}\n\n'
)


def client_answering(status: int, content_type: str | None, body: bytes) -> WenxinClient:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": content_type} if content_type else {}
        return httpx.Response(status, content=body, headers=headers)

    return WenxinClient(
        "Llama-2-13b-chat",
        api="v1",
        access_token="t",
        base_url="http://qianfan.test",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


@pytest.mark.parametrize(
    "content_type",
    ["text/event-stream", "text/event-stream;charset=utf-8", "text/plain", None],
)
def test_events_are_read_whatever_the_declared_type(content_type: str | None) -> None:
    stream = client_answering(200, content_type, EVENTS).stream([{"role": "user", "content": "x"}])
    assert [chunk.result for chunk in stream] == ["Hel", "lo"]
    assert stream.usage is not None
    assert (stream.usage.prompt_tokens, stream.usage.completion_tokens) == (2, 2)


def test_json_error_body_instead_of_a_stream_is_typed() -> None:
    body = b'{"error_code":336003,"error_msg":"temperature range is (0, 1.0]","id":"as-9"}'
    client = client_answering(200, "application/json;charset=utf-8", body)
    with pytest.raises(InvalidRequestError) as info:
        list(client.stream([{"role": "user", "content": "x"}]))
    assert (info.value.error_code, info.value.request_id) == (336003, "as-9")


def test_html_gateway_page_is_a_typed_error_not_an_interrupted_stream() -> None:
    client = client_answering(502, "text/html", b"<html><body>Bad Gateway</body></html>")
    with pytest.raises(ServerError) as info:
        list(client.stream([{"role": "user", "content": "x"}]))
    assert info.value.status_code == 502
    assert "Bad Gateway" in str(info.value)


def test_html_page_with_status_200_is_an_unexpected_response() -> None:
    client = client_answering(200, "text/html", b"<html>maintenance</html>")
    with pytest.raises(WenxinError, match="not a JSON object"):
        list(client.stream([{"role": "user", "content": "x"}]))
