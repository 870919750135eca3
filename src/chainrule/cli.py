"""The ``chainrule`` command line (typer for the commands, rich for the display)."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from chainrule import __version__
from chainrule.datasets import load_dataset
from chainrule.errors import ChainruleError, ConfigurationError
from chainrule.network import Network
from chainrule.optimizers import GradientDescent
from chainrule.preprocessing import Standardizer

app = typer.Typer(
    help="chainrule: neural networks from the chain rule up.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stderr = Console(stderr=True)
stdout = Console()


def fail(message: str) -> None:
    """Report a user error as one line on stderr and exit with status 2."""
    stderr.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def parse_sizes(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigurationError(
            f"--hidden must be comma-separated integers like 64,32, got {text!r}"
        ) from None


def version_callback(value: bool) -> None:
    if value:
        stdout.print(f"chainrule {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """chainrule: neural networks from the chain rule up."""


@app.command()
def train(
    data: Annotated[str, typer.Option(help="Bundled data set to train on.")] = "breast-cancer",
    hidden: Annotated[str, typer.Option(help="Hidden layer sizes, comma-separated.")] = "16",
    activation: Annotated[str, typer.Option(help="Hidden activation.")] = "relu",
    epochs: Annotated[int, typer.Option(help="Full passes over the training data.")] = 1000,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate alpha.")] = 0.1,
    batch_size: Annotated[int, typer.Option(help="Mini-batch size; 0 for full batch.")] = 0,
    test_size: Annotated[float, typer.Option(help="Fraction held out for testing.")] = 0.25,
    seed: Annotated[int, typer.Option(help="Seed for the split, initialisation and shuffle.")] = 0,
    dtype: Annotated[str, typer.Option(help="float32 or float64.")] = "float32",
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
) -> None:
    """Train the seed's network (sigmoid output, cross-entropy) on a bundled data set."""
    try:
        report = _train(
            data, hidden, activation, epochs, lr, batch_size, test_size, seed, dtype, json_output
        )
    except ChainruleError as exc:
        fail(str(exc))
    if json_output:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        _print_report(report)


def _train(
    data: str,
    hidden: str,
    activation: str,
    epochs: int,
    lr: float,
    batch_size: int,
    test_size: float,
    seed: int,
    dtype: str,
    quiet: bool,
) -> dict[str, Any]:
    from sklearn.model_selection import train_test_split

    dataset = load_dataset(data)
    if not 0 < test_size < 1:
        raise ConfigurationError(f"--test-size must be between 0 and 1, got {test_size}")
    X_train, X_test, y_train, y_test = train_test_split(
        dataset.X, dataset.y, test_size=test_size, random_state=seed, stratify=dataset.y
    )
    scaler = Standardizer.fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    sizes = [X_train.shape[1], *parse_sizes(hidden), 1]
    net = Network(sizes, activation, "sigmoid", seed=seed, dtype=dtype)
    optimizer = GradientDescent(lr)
    start = time.perf_counter()
    with Progress(
        TextColumn("[bold]epoch {task.completed:>5.0f}/{task.total:.0f}"),
        BarColumn(),
        TextColumn("cost {task.fields[cost]:.5f}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=stderr,
        disable=quiet or not stderr.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("train", total=epochs, cost=float("nan"))

        def show(net: Network, epoch: int, history: Any) -> None:
            progress.update(task, completed=epoch, cost=history.cost[-1])

        history = net.fit(
            X_train.T,
            y_train,
            epochs=epochs,
            optimizer=optimizer,
            batch_size=batch_size or None,
            callbacks=[show],
        )
    seconds = time.perf_counter() - start
    return {
        "data": data,
        "layers": sizes,
        "hidden_activation": activation,
        "output_activation": "sigmoid",
        "epochs": history.epochs,
        "learning_rate": lr,
        "final_cost": history.cost[-1],
        "train_accuracy": _accuracy(net, X_train, y_train),
        "test_accuracy": _accuracy(net, X_test, y_test),
        "train_examples": len(y_train),
        "test_examples": len(y_test),
        "seconds": seconds,
    }


def _accuracy(net: Network, X_rows: np.ndarray, y: np.ndarray) -> float:
    return float((net.predict(X_rows.T)[0] == y).mean())


def _print_report(report: dict[str, Any]) -> None:
    table = Table(title=f"chainrule train: {report['data']}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row(
        "network",
        "-".join(map(str, report["layers"])) + f" ({report['hidden_activation']} / sigmoid)",
    )
    table.add_row("epochs", str(report["epochs"]))
    table.add_row("final training cost", f"{report['final_cost']:.5f}")
    table.add_row("train accuracy", f"{report['train_accuracy']:.2%} of {report['train_examples']}")
    table.add_row("test accuracy", f"{report['test_accuracy']:.2%} of {report['test_examples']}")
    table.add_row("time", f"{report['seconds']:.2f} s")
    stdout.print(table)
