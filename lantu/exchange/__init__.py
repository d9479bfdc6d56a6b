"""Exchange with other statistical systems: SDMX (structure, data, SDMX-CSV) and DHIS2 (dataValueSets, ADX)."""
