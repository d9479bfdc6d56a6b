"""The programme framework: programmes, areas, goals, indicators, baselines and targets."""
