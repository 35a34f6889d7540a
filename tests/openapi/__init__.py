"""The OpenAPI export: valid 3.1, faithful to the schema, and served by the mock as
Schemathesis finds it (no request it accepts breaks it)."""
