"""boto3's Lambda client for a target: AWS by default, the local runtime when it has an endpoint.

The only difference between the targets: the local outputs carry `endpointUrl`, which becomes
`endpoint_url`, with placeholder credentials (the local API does not check signatures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from harness.postdeploy.target import Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

LOCAL_CREDENTIALS = "local"
# A cold start of a function with the longest timeout must fit in one read.
READ_MARGIN_S = 90


def lambda_client(target: Target) -> LambdaClient:
    longest = max((function.timeout for function in target.functions.values()), default=30)
    config = Config(
        connect_timeout=10,
        read_timeout=longest + READ_MARGIN_S,
        retries={"mode": "standard", "max_attempts": 3},
    )
    if target.endpoint_url:
        return boto3.client(
            "lambda",
            endpoint_url=target.endpoint_url,
            region_name=target.region,
            aws_access_key_id=LOCAL_CREDENTIALS,
            aws_secret_access_key=LOCAL_CREDENTIALS,
            config=config,
        )
    return boto3.client("lambda", region_name=target.region, config=config)
