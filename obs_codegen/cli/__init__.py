"""The command-line interface: one click group, a module per verb family."""
