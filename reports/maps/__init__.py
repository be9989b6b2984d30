"""Maps of the Netherlands drawn on the server as SVG: the municipalities' shapes (CBS) are
vendored in ``data/`` in a compact, projected form; ``build`` derives it from the source file."""
