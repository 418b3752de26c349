"""crible: screen media and chat exports against trusted hash lists."""

__version__ = "0.1.0"
