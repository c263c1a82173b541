"""What the pack must say about each case of fixtures/attacks, by class: resource -> {policy:
a fragment its message must contain}. Every other resource there must be silent."""

from __future__ import annotations

from typing import Final

ATTACK_STACK: Final = "attacks"
# A random-looking key: a piece of it must not occur by chance in names, ARNs or account ids.
ATTACK_KEY: Final = "hhfxQz7Lp2VbX9kWm4RtY8nCj3HsD6gF"
ROOT: Final = "attack-fixture-attacks"

PROVIDER_CONFIGURATION: Final = {
    "c1-endpoints": {"aws-provider-config": "AWS provider 'c1-endpoints': sets 'endpoints'"},
    "c1-http-proxy": {"aws-provider-config": "sets 'httpProxy', which the AWS provider may not"},
    "c1-insecure": {"aws-provider-config": "sets 'insecure'"},
    "c1-access-key": {"aws-provider-config": "sets 'accessKey'"},
    "c1-assume-role": {"aws-provider-config": "sets 'assumeRoles'"},
    "c1-skip-validation": {
        "aws-provider-config": "skipCredentialsValidation = 'true' is not allowed: set it to false"
    },
    "c1-second-account": {
        "aws-provider-config": "allowedAccountIds ['123456789012', '999999999999'] must name "
        "exactly one",
        "aws-provider-account": "pins account 999999999999, while another provider",
    },
    "c1-profile": {"aws-provider-config": "sets 'profile'"},
    "c1-account-b": {
        "aws-provider-account": "pins account 999999999999, while another provider of the "
        "stack pins 123456789012"
    },
    "c1-default-provider": {
        "aws-provider-config": "its default AWS provider (the stack's `aws:*` config, from "
        "Pulumi.yaml or Pulumi.<stack>.yaml): sets 'aws:endpoints'",
        "aws-provider-account": "pins account 999999999999, while another provider",
    },
}
OUTSIDE_CODE: Final = {
    "c2-s3-code": {"resource-properties": "sets 's3Bucket'"},
    "c2-image": {"resource-properties": "packageType 'Image': only 'Zip'"},
}
SECRETS: Final = {
    ROOT: {"secret-values": "stack output c3-exported holds a secret's value (hex)"},
    "c3-other-variable": {
        "secret-values": "environment.variables.HH_SOURCE holds a secret's value (the value)"
    },
    "c3-description": {"secret-values": "property description holds a secret's value"},
    "c3-reversed-tag": {"secret-values": "property tags.note holds a secret's value (reversed)"},
    "c3-base64-tag": {"secret-values": "property tags.note holds a secret's value (base64)"},
    "c3-split-tags": {"secret-values": "holds a secret's value (a piece of it"},
    "c3-archive": {"secret-values": "leak.py holds a secret's value (the value)"},
}
URLS: Final = {
    "c4-backslash-userinfo": {"lambda-api-url": "contains a backslash, which clients parse"},
    "c4-userinfo": {"lambda-api-url": "contains '@' (userinfo)"},
    "c4-percent-host": {"lambda-api-url": "contains a %-escape"},
    "c4-idna": {"lambda-api-url": "contains a non-ASCII character"},
    "c4-control": {"lambda-api-url": "contains a space or control character"},
    "c4-port": {"lambda-api-url": "uses port 8443; only [443] are allowed"},
    "c4-loopback": {"lambda-api-url": "allowed only on a stack that is never deployed"},
    "c4-ca-bundle": {"lambda-environment": "variable 'REQUESTS_CA_BUNDLE' is not one"},
    "c4-http-config": {"lambda-environment": "variable 'HTTP_CONFIG' is not one"},
    "c4-lowercase-proxy": {
        "lambda-environment": "variable 'https_proxy' is not one",
        "lambda-api-url": "https_proxy routes the SDK's requests",
    },
    "c4-exec-wrapper": {"lambda-environment": "variable 'AWS_LAMBDA_EXEC_WRAPPER' is not one"},
}
TEARDOWN: Final = {
    "c5-protect": {"teardown": "is protected (`protect=True`), so `pulumi destroy` fails"},
    "c5-skip-destroy": {"teardown": "sets skipDestroy, so `pulumi destroy` leaves it"},
    "c5-layer-unparsable": {"stack-expiry": "description 'hand-made layer' is not"},
    "c5-layer-other-stack": {"stack-expiry": "description names stack 'ci', not 'attacks'"},
    "c5-layer-own-expiry": {"stack-expiry": "expires-at=never; sdk=x' is not"},
}
IAM_EDGES: Final = {
    "c6-function-star": {"iam-no-wildcard-resources": "function:*' (a wildcard over name)"},
    "c6-role-star": {"iam-no-wildcard-resources": "role/*' (a wildcard over name)"},
    "c6-secret-star": {"iam-no-wildcard-resources": "secret:*' (a wildcard over name)"},
    "c6-prefix-star": {"iam-no-wildcard-resources": "function:honeyhive-*' (a wildcard over"},
    "c6-middle-star": {"iam-no-wildcard-resources": "role/honeyhive-*-role' (a wildcard over"},
    "c6-undeclared-role": {
        "iam-declared-roles": "attaches a policy to role 'honeyhive-ci-deployer' (role), which "
        "this stack does not declare"
    },
    "c6-kms": {"resource-properties": "sets 'kmsKeyArn'"},
    "c6-dead-letter": {"resource-properties": "sets 'deadLetterConfig'"},
    "c6-vpc": {"resource-properties": "sets 'vpcConfig'"},
    "c6-reserved": {"resource-properties": "reservedConcurrentExecutions 500 is outside -1..5"},
    "c6-storage": {"resource-properties": "ephemeralStorage.size 10240 is outside 512..512"},
    "c6-log-kms": {"resource-properties": "sets 'kmsKeyId'"},
    "c6-provisioned": {
        "allowed-resource-types": "aws:lambda/provisionedConcurrencyConfig:"
        "ProvisionedConcurrencyConfig is not a resource type this stack may declare"
    },
}
CLASSES: Final = {
    "provider configuration": PROVIDER_CONFIGURATION,
    "code from outside the review": OUTSIDE_CODE,
    "secrets outside HH_API_KEY": SECRETS,
    "URL parsing differentials": URLS,
    "escaping teardown": TEARDOWN,
    "IAM edges": IAM_EDGES,
}
ATTACKS: Final = {name: rules for cases in CLASSES.values() for name, rules in cases.items()}
# Legitimate variations beside the attacks, silent under every policy.
COMPLIANT_ATTACKS: Final = (
    "tagged",
    "good-logs",
    "good-role",
    "good-role-policy",
    "good-layer",
    "good-function",
    "good-variation",
    "good-retention",
)
