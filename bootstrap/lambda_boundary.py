"""The permissions boundary of every test function's role: the most such a role may ever do.

The deployer may create `honeyhive-*` roles and write their inline policies only with this
boundary attached (deployer_policy.py), so whatever a workflow writes into a role's policy, the
role can do no more than what is allowed here: write log events to the test functions' own log
groups. `logs:CreateLogGroup` is left out on purpose: the program creates each log group before
its function, so a function never needs to. The region is open because the boundary is one
account-wide policy; the deployer itself is pinned to one region.
"""

from __future__ import annotations

from typing import Any

from infra.iam import LOG_WRITE_ACTIONS

BOUNDARY_POLICY = "honeyhive-lambda-boundary"


def boundary_arn(account_id: str) -> str:
    """The ARN IAM gives the boundary policy (no path, so it is the name under `policy/`)."""
    return f"arn:aws:iam::{account_id}:policy/{BOUNDARY_POLICY}"


def boundary_document(account_id: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteToTestFunctionLogGroupsOnly",
                "Effect": "Allow",
                "Action": list(LOG_WRITE_ACTIONS),
                "Resource": f"arn:aws:logs:*:{account_id}:log-group:/aws/lambda/honeyhive-*:*",
            }
        ],
    }
