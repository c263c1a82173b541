"""Pulumi type tokens of the AWS resources the rules look at (pulumi-aws 7)."""

from __future__ import annotations

from typing import Final

FUNCTION: Final = "aws:lambda/function:Function"
LAYER_VERSION: Final = "aws:lambda/layerVersion:LayerVersion"
FUNCTION_URL: Final = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION: Final = "aws:lambda/permission:Permission"
LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"
ROLE: Final = "aws:iam/role:Role"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
POLICY: Final = "aws:iam/policy:Policy"
USER_POLICY: Final = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY: Final = "aws:iam/groupPolicy:GroupPolicy"
ROLE_POLICY_ATTACHMENT: Final = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
USER_POLICY_ATTACHMENT: Final = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_POLICY_ATTACHMENT: Final = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
POLICY_ATTACHMENT: Final = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE: Final = (
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
)
BUCKET: Final = "aws:s3/bucket:Bucket"
BUCKET_V2: Final = "aws:s3/bucketV2:BucketV2"

# Resources that hold an identity policy document in `policy`.
POLICY_DOCUMENT_HOLDERS: Final = frozenset({ROLE_POLICY, POLICY, USER_POLICY, GROUP_POLICY})

# AWS resource types that take tags (besides any resource that declares `tags` itself).
TAGGABLE: Final = frozenset({FUNCTION, LOG_GROUP, ROLE, POLICY, BUCKET, BUCKET_V2})
