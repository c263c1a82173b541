"""The HoneyHive SDK Lambda layer: pinned requirements and a reproducible builder."""
