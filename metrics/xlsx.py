"""Rules for every Excel workbook the app writes.

A text that starts like a formula (=, +, -, @, a tab or a carriage return) would become a live
formula in the reader's spreadsheet (formula injection: a link that leaks data, a broken cell).
Every workbook passes its sheets through `neutralize` before saving, so such a text is stored as a
text cell, shown exactly as typed, and read back unchanged.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralize(worksheet) -> None:
    """Store every formula-like text of an openpyxl worksheet as plain text."""
    for row in worksheet.iter_rows():
        for cell in row:
            if is_formula_like(cell.value) or cell.data_type == "f":
                cell.data_type = "s"
                cell.quotePrefix = True


def neutralize_book(book) -> None:
    for worksheet in book.worksheets:
        neutralize(worksheet)
