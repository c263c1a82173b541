"""One test function: its log group (created first), its role, and the function itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.iam import FunctionRole, FunctionRoleArgs
from infra.snapstart import SNAPSTART_ALIAS, SNAPSTART_APPLY_ON
from infra.spec import FunctionSpec


@dataclass(frozen=True)
class TestFunctionArgs:
    spec: FunctionSpec
    function_name: str
    role_name: str
    role_policy_name: str
    permissions_boundary: str | None
    log_group_name: str
    runtime: str
    architecture: str
    code: pulumi.Archive
    environment: Mapping[str, pulumi.Input[str]]
    layers: Sequence[pulumi.Input[str]]
    log_retention_days: int
    log_format: str
    handler: str = ""
    """The handler when it is not the spec's own (a variant's)."""
    snap_start: bool = False
    """Publish a version with SnapStart and point `SNAPSTART_ALIAS` at it (infra/snapstart.py)."""


class TestFunction(pulumi.ComponentResource):
    log_group: aws.cloudwatch.LogGroup
    access: FunctionRole
    function: aws.lambda_.Function
    alias: aws.lambda_.Alias | None

    def __init__(
        self, name: str, args: TestFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("honeyhive:lambda:TestFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.log_group = aws.cloudwatch.LogGroup(
            name,
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        self.access = FunctionRole(
            name,
            FunctionRoleArgs(
                args.role_name,
                args.role_policy_name,
                self.log_group.arn,
                args.permissions_boundary,
            ),
            opts=child,
        )
        self.function = aws.lambda_.Function(
            name,
            name=args.function_name,
            description=f"honeyhive-lambda-test: {args.spec.description}",
            role=self.access.role.arn,
            runtime=args.runtime,
            architectures=[args.architecture],
            handler=args.handler or args.spec.handler,
            code=args.code,
            memory_size=args.spec.memory_mb,
            timeout=args.spec.timeout_s,
            layers=list(args.layers),
            environment={"variables": dict(args.environment)} if args.environment else None,
            logging_config={"log_format": args.log_format, "log_group": self.log_group.name},
            publish=True if args.snap_start else None,
            snap_start={"apply_on": SNAPSTART_APPLY_ON} if args.snap_start else None,
            # The log group and the policy must exist before the first invocation can log.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self.log_group, self.access.policy]
            ),
        )
        self.alias = None
        if args.snap_start:  # only a published version runs from the snapshot
            self.alias = aws.lambda_.Alias(
                name,
                name=SNAPSTART_ALIAS,
                function_name=self.function.name,
                function_version=self.function.version,
                description="the published version the post-deploy suite invokes (SnapStart)",
                opts=child,
            )
        self.register_outputs({"arn": self.function.arn})
