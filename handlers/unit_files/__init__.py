"""Units an official brings in by the chat: a unit list sent as a file, and adding,
renaming and merging units of their own subtree by typing."""
