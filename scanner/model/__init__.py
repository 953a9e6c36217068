"""Pure value types shared by every layer. No I/O here, and no imports from sibling packages."""
