"""The commented starter configuration that `modbot init` writes: copies of the repository's config/ files.

tests/cli/test_init.py checks that they stay identical to config/settings.yaml and config/rules.yaml.
"""
