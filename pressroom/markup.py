"""The names Pressroom's print HTML gives its own elements and attributes: written by the
handout (`writers/handout.py`), read by the print engine's patches (`weasy/`)."""

NOTE_ELEMENT = "pressroom-note"  # a footnote, floated to its page's foot
ARTIFACT = "data-pressroom-artifact"  # drawn, not read: no structure element, no text
