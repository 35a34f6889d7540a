"""Docs -> schema: every real doc in specs/ parses to what it says, and a malformed,
hostile, truncated or huge doc is a SpecError naming the file and line, never a crash."""
