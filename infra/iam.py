"""IAM for one function: a role only Lambda can assume and one inline policy that lets the
function write to its own log group, and nothing else. With a permissions boundary configured
(`permissionsBoundary`; CI's deployer may create roles only with it), the role carries it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

LAMBDA_SERVICE = "lambda.amazonaws.com"
LOG_WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def lambda_trust_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": LAMBDA_SERVICE},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def log_writer_policy(log_group_arn: str) -> str:
    """Write access to the streams of one log group (`<group arn>:*` covers its streams)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": list(LOG_WRITE_ACTIONS),
                    "Resource": f"{log_group_arn.removesuffix(':*')}:*",
                }
            ],
        }
    )


@dataclass(frozen=True)
class FunctionRoleArgs:
    role_name: str
    policy_name: str
    log_group_arn: pulumi.Input[str]
    permissions_boundary: str | None
    """ARN of the managed policy set as the role's permissions boundary; None = no boundary."""


class FunctionRole(pulumi.ComponentResource):
    role: aws.iam.Role
    policy: aws.iam.RolePolicy

    def __init__(
        self, name: str, args: FunctionRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("honeyhive:iam:FunctionRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            name,
            name=args.role_name,
            assume_role_policy=lambda_trust_policy(),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        self.policy = aws.iam.RolePolicy(
            name,
            name=args.policy_name,
            role=self.role.id,
            policy=pulumi.Output.from_input(args.log_group_arn).apply(log_writer_policy),
            opts=child,
        )
        self.register_outputs({"roleArn": self.role.arn})
