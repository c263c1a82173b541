"""Pulumi type tokens of the AWS resources the rules look at (pulumi-aws 7)."""

from __future__ import annotations

from typing import Final

AWS_PROVIDER: Final = "pulumi:providers:aws"
ROOT_STACK: Final = "pulumi:pulumi:Stack"
PROVIDER_PREFIX: Final = "pulumi:providers:"

FUNCTION: Final = "aws:lambda/function:Function"
LAYER_VERSION: Final = "aws:lambda/layerVersion:LayerVersion"
LAYER_VERSION_PERMISSION: Final = "aws:lambda/layerVersionPermission:LayerVersionPermission"
FUNCTION_URL: Final = "aws:lambda/functionUrl:FunctionUrl"
ALIAS: Final = "aws:lambda/alias:Alias"
PROVISIONED_CONCURRENCY: Final = (
    "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
)
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
OIDC_PROVIDER: Final = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
BUCKET: Final = "aws:s3/bucket:Bucket"
BUCKET_V2: Final = "aws:s3/bucketV2:BucketV2"
BUCKET_POLICY: Final = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_VERSIONING: Final = "aws:s3/bucketVersioning:BucketVersioning"
BUCKET_ENCRYPTION: Final = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUCKET_PUBLIC_ACCESS_BLOCK: Final = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_OWNERSHIP: Final = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
QUEUE: Final = "aws:sqs/queue:Queue"
QUEUE_POLICY: Final = "aws:sqs/queuePolicy:QueuePolicy"
TOPIC: Final = "aws:sns/topic:Topic"
TOPIC_POLICY: Final = "aws:sns/topicPolicy:TopicPolicy"

# Resources that hold an identity policy document in `policy`.
POLICY_DOCUMENT_HOLDERS: Final = frozenset({ROLE_POLICY, POLICY, USER_POLICY, GROUP_POLICY})

# Resources whose input holds a resource-based policy (who may use the resource), and the input.
RESOURCE_POLICY_HOLDERS: Final = {
    BUCKET: "policy",
    BUCKET_V2: "policy",
    BUCKET_POLICY: "policy",
    QUEUE: "policy",
    QUEUE_POLICY: "policy",
    TOPIC: "policy",
    TOPIC_POLICY: "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "policy",
    "aws:glacier/vault:Vault": "accessPolicy",
}

# AWS resource types the provider cannot tag; every other AWS resource must carry the tags.
UNTAGGABLE: Final = frozenset(
    {
        LAYER_VERSION,
        LAYER_VERSION_PERMISSION,
        FUNCTION_URL,
        ALIAS,
        PROVISIONED_CONCURRENCY,
        PERMISSION,
        ROLE_POLICY,
        USER_POLICY,
        GROUP_POLICY,
        ROLE_POLICY_ATTACHMENT,
        USER_POLICY_ATTACHMENT,
        GROUP_POLICY_ATTACHMENT,
        POLICY_ATTACHMENT,
        ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
        BUCKET_POLICY,
        BUCKET_VERSIONING,
        BUCKET_ENCRYPTION,
        BUCKET_PUBLIC_ACCESS_BLOCK,
        BUCKET_OWNERSHIP,
        QUEUE_POLICY,
        TOPIC_POLICY,
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:iam/group:Group",
        "aws:iam/accessKey:AccessKey",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:cloudwatch/logStream:LogStream",
        "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:apigateway/deployment:Deployment",
    }
)
