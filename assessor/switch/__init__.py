"""The switch test: constant-rate requests while the switch runs, lined up with what the cluster did."""
