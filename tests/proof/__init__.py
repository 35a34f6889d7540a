"""A short soak: load and faults together through the async client, nothing lost."""
