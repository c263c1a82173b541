"""Pulumi entry point for the HoneyHive SDK's Lambda test bed (the program is in infra/)."""

from infra.stack import declare

declare()
