"""adiff's benchmark suite: adiff side by side with the tools a user would reach for.

Run `python -m benchmarks [WORKLOAD ...] [--quick]` from the repository root
with the `bench` extra installed. It is never part of the tests: it takes
minutes, and its figures depend on the machine.
"""
