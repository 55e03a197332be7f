"""impact: what in your code a SQL schema migration touches, breaks and risks."""
__version__ = "0.1.0"
