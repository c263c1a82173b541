"""boto3's Lambda and CloudWatch Logs clients for a target: AWS by default, the local runtime
when it has an endpoint.

The only difference between the targets: the local outputs carry `endpointUrl`, which becomes
`endpoint_url`, with placeholder credentials (the local API does not check signatures); the
local runtime answers both services' calls the suite makes at that one endpoint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config

from harness.postdeploy.target import Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient

LOCAL_CREDENTIALS = "local"
# A cold start of a function with the longest timeout must fit in one read.
READ_MARGIN_S = 90


def _client(service: Literal["lambda", "logs"], target: Target, config: Config) -> Any:
    if target.endpoint_url:
        return boto3.client(
            service,
            endpoint_url=target.endpoint_url,
            region_name=target.region,
            aws_access_key_id=LOCAL_CREDENTIALS,
            aws_secret_access_key=LOCAL_CREDENTIALS,
            config=config,
        )
    return boto3.client(service, region_name=target.region, config=config)


def lambda_client(target: Target) -> LambdaClient:
    longest = max((function.timeout for function in target.functions.values()), default=30)
    config = Config(
        connect_timeout=10,
        # An emulated runtime (local, other architecture) takes time_scale times as long.
        read_timeout=int((longest + READ_MARGIN_S) * target.time_scale),
        retries={"mode": "standard", "max_attempts": 3},
    )
    client: LambdaClient = _client("lambda", target, config)
    return client


def logs_client(target: Target) -> CloudWatchLogsClient:
    config = Config(connect_timeout=10, read_timeout=60, retries={"mode": "standard"})
    client: CloudWatchLogsClient = _client("logs", target, config)
    return client
