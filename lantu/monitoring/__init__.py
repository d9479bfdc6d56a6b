"""Statistical monitoring: data values (append-only versions) per indicator, unit and period."""
