"""The SDK layer for one runtime, from the builder's artefact."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.artifact import LayerArtifact


@dataclass(frozen=True)
class SdkLayerArgs:
    layer_name: str
    artifact: LayerArtifact
    description: str


class SdkLayer(pulumi.ComponentResource):
    version: aws.lambda_.LayerVersion

    def __init__(
        self, name: str, args: SdkLayerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("honeyhive:lambda:SdkLayer", name, None, opts)
        artifact = args.artifact
        self.version = aws.lambda_.LayerVersion(
            name,
            layer_name=args.layer_name,
            description=args.description,
            code=pulumi.FileArchive(str(artifact.zip_path)),
            source_code_hash=artifact.source_code_hash,
            compatible_runtimes=[artifact.runtime],
            compatible_architectures=[artifact.arch],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"arn": self.version.arn})
