"""Answer tests: dataset, metrics, runner, baseline and report."""
