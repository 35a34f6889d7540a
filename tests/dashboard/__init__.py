"""The dashboard at /__mock__/ui: what each view computes, and the page itself in a
headless Chromium (live pushes, controls, no secret on the page)."""
