"""Experiments that test claims about the NHS with scenarios and replications."""
