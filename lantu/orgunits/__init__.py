"""Administrative units (GB/T 2260) with effective dates, departments and groups."""
