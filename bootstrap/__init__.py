"""The bootstrap Pulumi project (run once by an admin): GitHub OIDC, the CI deployer role and
its policy, and the DIY backend's state bucket. See Pulumi.yaml and stack.py."""
