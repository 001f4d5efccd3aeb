"""Masking of secrets: where they hide in URLs (urls.py), and the one scrubber every output uses."""
