"""Offline evaluation of the detectors: NAB scoring, backtests and labelled scenarios."""
