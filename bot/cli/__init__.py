"""The `modbot` command line."""
