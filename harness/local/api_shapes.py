"""The JSON documents of Lambda's REST API that the front endpoint returns.

Shapes follow the service model botocore ships (`botocore/data/lambda/2015-03-31`): a
`FunctionConfiguration` for Get/UpdateFunctionConfiguration, `{"Configuration", "Code"}` for
GetFunction, and errors as Lambda sends them: `x-amzn-ErrorType: <Code>` plus a body
`{"Type": "User"|"Service", "Message": ...}`, from which botocore raises
`client.exceptions.<Code>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.local.config import LATEST, PUBLISHED_VERSION
from harness.local.registry import FunctionRecord


@dataclass(frozen=True)
class ApiError(Exception):
    status: int
    code: str
    message: str
    kind: str = "User"
    reason: str | None = None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Type": self.kind, "Message": self.message}
        if self.reason:
            body["Reason"] = self.reason
        return body


def not_found(name: str, region: str, account: str) -> ApiError:
    arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
    return ApiError(404, "ResourceNotFoundException", f"Function not found: {arn}")


def invalid_parameter(message: str) -> ApiError:
    return ApiError(400, "InvalidParameterValueException", message)


def service_error(message: str) -> ApiError:
    return ApiError(500, "ServiceException", message, kind="Service")


def conflict(message: str) -> ApiError:
    return ApiError(409, "ResourceConflictException", message)


def lambda_time(moment: datetime) -> str:
    """LastModified as Lambda writes it: `2024-01-31T12:34:56.789+0000`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def configuration(record: FunctionRecord) -> dict[str, Any]:
    spec = record.spec
    document: dict[str, Any] = {
        "FunctionName": spec.name,
        "FunctionArn": spec.arn,
        "Runtime": spec.runtime,
        "Role": spec.role,
        "Handler": spec.handler,
        "CodeSize": record.code_size,
        "Description": spec.description,
        "Timeout": spec.timeout,
        "MemorySize": spec.memory_size,
        "LastModified": lambda_time(record.last_modified),
        "CodeSha256": record.code_sha256,
        "Version": LATEST,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": record.revision_id,
        "Layers": [
            {"Arn": arn, "CodeSize": path.stat().st_size if path.is_file() else 0}
            for arn, path in zip(spec.layer_arns, spec.layers, strict=False)
        ],
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": [spec.architecture],
        "EphemeralStorage": {"Size": spec.ephemeral_storage},
        "LoggingConfig": {"LogFormat": spec.log_format, "LogGroup": spec.log_group},
    }
    if spec.snap_start_alias:  # the alias runs a published version, restored from its snapshot
        document["SnapStart"] = {
            "ApplyOn": "PublishedVersions",
            "OptimizationStatus": "On" if spec.snap_start else "Off",
        }
        if spec.snap_start:
            document["Version"] = PUBLISHED_VERSION
    if record.update_in_progress:  # what AWS answers during an update (public CLI transcripts)
        document["LastUpdateStatus"] = "InProgress"
        document["LastUpdateStatusReason"] = "The function is being created."
        document["LastUpdateStatusReasonCode"] = "Creating"
    if spec.environment:
        document["Environment"] = {"Variables": dict(spec.environment)}
    return document


def function_document(record: FunctionRecord) -> dict[str, Any]:
    """GetFunction: the configuration plus where the code would be downloaded from."""
    return {
        "Configuration": configuration(record),
        "Code": {"RepositoryType": "S3", "Location": ""},
        "Tags": dict(record.tags),
    }
