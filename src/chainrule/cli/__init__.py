"""Layer 6, the ``chainrule`` command: typer options, the runner, reports and figures."""
