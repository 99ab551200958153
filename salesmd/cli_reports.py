"""Report commands: agenda, pipeline (and later the HTML site). Thin: build, then render."""

from __future__ import annotations
