"""Pressroom: one manuscript in, a print PDF, an EPUB 3 and an archival PDF/A out.

The pipeline, one module a stage:

    clean → load → transform → layout (Jinja) → render (pdf | epub | archive) → check
"""

__version__ = "0.1.0"
