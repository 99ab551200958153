"""salesmd: a plain-text, git-backed sales CRM."""

__version__ = "0.1.0"
