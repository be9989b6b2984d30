"""The POS offices in public: the map of offices and desks, and an office's own page (also as
a snippet the POS website embeds). Only what an office chose to show; nothing else leaks."""
