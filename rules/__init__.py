"""The rules, as data: one TOML file per rule (shipped inside the package as impact.rules)."""
