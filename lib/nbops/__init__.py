"""nbops: notebook-first MLOps — headless parameterised runs, run records, checks and tracking."""

__version__ = "0.1.0"
