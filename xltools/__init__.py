"""xltools: 绩效自评表 — form specs, value parser, scoring rules, checks, workbook templates."""
__version__ = "0.1.0"
