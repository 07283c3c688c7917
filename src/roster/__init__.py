"""Roster: provisioning and governance of contact-center people."""

__version__ = "0.1.0"
