"""End to end: every model in specs/ through the generated client against a running
mock, in every mock variant, and foreign clients (curl recipes, Wiro's own habits)."""
