"""loyalsheet: a membership program run out of one Excel workbook."""

__version__ = "0.1.0"
