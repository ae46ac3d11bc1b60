"""HTTP resources: parse and validate, call the function that does the work, return media."""
