"""Data in and out: CSV and vCard readers whose items become one change set (plan.py), and exports."""
