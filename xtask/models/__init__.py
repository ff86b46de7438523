"""Pretrained encoders built offline from files shipped in ordinary PyPI packages."""
