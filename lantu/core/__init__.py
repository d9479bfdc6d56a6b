"""Pure cores: maths and parsing with no Django imports."""
