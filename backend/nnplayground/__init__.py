"""nn-playground: a visual neural-network playground on a from-scratch NumPy engine."""

__version__ = "0.1.0"
