"""Invoke's request size limits, and Lambda's refusal of a request over them.

One source for the front endpoint (`serve`, api.py) and `local invoke` (cli.py): Lambda refuses
an oversized request before any environment sees it, so the handler never runs.

- The limits (Lambda quotas, gettingstarted-limits.html, "Invocation payload (request and
  response)"): 6 MB for a synchronous invoke, 1 MB for an asynchronous one (`Event`), counted in
  bytes of the request body: 6 MB is 6291456 bytes.
- The answer: HTTP 413 with `x-amzn-ErrorType: RequestEntityTooLargeException` and the messages
  AWS sends (transcripts of real answers, e.g. `HTTP/1.1 413 Request Entity Too Large`,
  `X-Amzn-Errortype: RequestEntityTooLargeException`, `{"Message":"Request must be smaller than
  6291456 bytes for the InvokeFunction operation"}`; for Event, `N byte payload is too large for
  the Event invocation type (limit L bytes)`, github.com/ASFHyP3/hyp3/issues/2241). The service
  model botocore ships names `RequestTooLargeException` (413) instead; AWS does not send that
  code, so botocore raises a plain `ClientError` whose code is `RequestEntityTooLargeException`,
  and code that catches `client.exceptions.RequestTooLargeException` misses it here as on AWS.
"""

from __future__ import annotations

from typing import Final

from harness.local.api_shapes import ApiError

SYNC_PAYLOAD_MAX: Final = 6 * 1024 * 1024
ASYNC_PAYLOAD_MAX: Final = 1024 * 1024
EVENT: Final = "Event"
REQUEST_RESPONSE: Final = "RequestResponse"
TOO_LARGE_STATUS: Final = 413
TOO_LARGE_CODE: Final = "RequestEntityTooLargeException"


def payload_limit(invocation_type: str) -> int:
    return ASYNC_PAYLOAD_MAX if invocation_type == EVENT else SYNC_PAYLOAD_MAX


def check_request_size(size: int, invocation_type: str) -> None:
    """Raise Lambda's 413 for a request body of `size` bytes over the invocation type's limit."""
    limit = payload_limit(invocation_type)
    if size <= limit:
        return
    if invocation_type == EVENT:
        message = (
            f"{size} byte payload is too large for the Event invocation type (limit {limit} bytes)"
        )
    else:
        message = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
    raise ApiError(TOO_LARGE_STATUS, TOO_LARGE_CODE, message)
