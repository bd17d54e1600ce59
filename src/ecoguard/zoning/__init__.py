"""Three lines, one list: control units, access lists and project screening."""
