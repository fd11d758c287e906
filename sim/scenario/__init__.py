"""The scenario: YAML reading, the validated schema, setups, distributions and edits."""
