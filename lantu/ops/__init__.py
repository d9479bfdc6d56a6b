"""Operating a Lantu installation: backup and restore of the whole database."""
