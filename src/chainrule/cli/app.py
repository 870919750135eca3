"""The ``chainrule`` command line: typer for the commands, rich for the display.

Every command that reports numbers takes ``--json`` and then prints one JSON object on stdout
(progress goes to stderr). User errors print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import inspect
import json
import signal
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from chainrule.cli import commands, teach
from chainrule.cli.checks import (
    check_dtype_option,
    check_paths,
    check_seed_option,
    check_train_options,
)
from chainrule.cli.settings import (
    TrainSettings,
    given_settings,
    parse_sizes,
    plain,
    train_options,
)
from chainrule.core.gradcheck import gradcheck as run_gradcheck
from chainrule.core.gradcheck import gradcheck_problem
from chainrule.core.network import Network
from chainrule.errors import ChainruleError, ConfigurationError, DataError, plural
from chainrule.extras import needs
from chainrule.io.atomic import atomic_write_text
from chainrule.io.datasets import CATALOGUE, load_data
from chainrule.learn.bughunt import (
    BUGS,
    backward_source,
    check_file,
    get_bug,
    hunting_ground,
    plant,
)
from chainrule.learn.explain import explain as explain_network
from chainrule.learn.graph import computation_graph
from chainrule.learn.trace import trace_step
from chainrule.parallel.mpi import world
from chainrule.train.history import History
from chainrule.version import __version__

app = typer.Typer(
    help="chainrule: neural networks from the chain rule up.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# no markup in what is printed: a message's "[cli]" or a file named "run[2].npz" is text
stderr = Console(stderr=True, markup=False)
stdout = Console(markup=False)

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
ModelOption = Annotated[
    Path, typer.Option("--model", "-m", help="A model file from 'train --save'.")
]


def fail(message: str) -> None:
    """Report a user error as one line on stderr and exit with status 2."""
    print_error(message)
    raise typer.Exit(code=2)


# more than this floods a terminal: a user scrolls back through a few hundred lines at most
TERMINAL_LINES, TERMINAL_CHARACTERS = 1_000, 200_000


def _size(text: str) -> str:
    size, lines = len(text.encode()), text.count("\n")
    amount = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(size // 1000, 1)} KB"
    return f"{amount}, {plural(lines, 'line')}"


def write_stdout(text: str, what: str, to_file: str, image: bool = False) -> None:
    """Write ``text`` to stdout, unless stdout is a terminal that ``text`` would flood (more
    than :data:`TERMINAL_LINES` lines or :data:`TERMINAL_CHARACTERS` characters, or an
    ``image`` at all): then fail with the one line that says how to get it (``to_file``: the
    option or redirection that writes a file). Piped or redirected, stdout takes any amount."""
    flood = text.count("\n") > TERMINAL_LINES or len(text) > TERMINAL_CHARACTERS
    if sys.stdout.isatty() and (image or flood):
        reason = "an image, not text for a terminal" if image else "too much for a terminal"
        fail(
            f"{what} is {_size(text)}: {reason}; write it to a file with {to_file}, or pipe "
            f"it to another program{'' if image else ' (| less)'}"
        )
    sys.stdout.write(text)


def print_error(message: str) -> None:
    """``error: message`` on stderr, as one line however wide the terminal."""
    stderr.print(
        Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True
    )


def emit_json(result: dict[str, Any]) -> None:
    """The result as one JSON line on stdout (refused on a terminal it would flood)."""
    write_stdout(json.dumps(result) + "\n", "the JSON result", "> FILE.json")


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


# ---------------------------------------------------------------------- datasets


@app.command()
def datasets(json_output: JsonOption = False) -> None:
    """List the bundled data sets (any CSV, NPZ or IDX file works too)."""
    entries = {name: description for name, (_, description) in CATALOGUE.items()}
    if json_output:
        emit_json({"datasets": entries, "default": "breast-cancer"})
        return
    table = Table(title="bundled data sets")
    table.add_column("name", style="bold")
    table.add_column("description")
    for name, description in entries.items():
        table.add_row(name, description)
    stdout.print(table)


# ---------------------------------------------------------------------- train


def train(
    save: Annotated[
        Path | None, typer.Option(help="Write the trained model to this file (writes a file).")
    ] = None,
    checkpoint_every: Annotated[
        int, typer.Option(help="With --save: also save every N epochs; 0 for only at the end.")
    ] = 0,
    resume: Annotated[
        Path | None,
        typer.Option(
            help="Continue the run saved in this model file, to --epochs in total. Only "
            "--epochs, --save, --checkpoint-every, --plot and --json may be given with it; "
            "any other option must match the saved run."
        ),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write the training curves to this image (writes a file; the suffix names "
            "the format: .png, .jpg, .svg, .pdf...)."
        ),
    ] = None,
    old_output: OldOutputOption = None,
    json_output: JsonOption = False,
    **options: Any,
) -> None:
    """Train a network with a live progress bar, report train/test metrics, optionally save.

    Ctrl-C stops after saving the last completed epoch to --save (exit status 130);
    --resume continues such a file exactly where it stopped. Started by
    'mpiexec -n N chainrule train ...', N processes train one model data-parallel: each
    reads its share of the rows, and rank 0 alone shows progress and writes files.

    Writes files: --save (and its checkpoints), --plot; neither may be an input (--data)
    nor the other.
    """
    ranks = None
    try:
        ranks = world()
        lead = ranks is None or ranks.lead
        json_output = json_output or not lead  # the other ranks show nothing
        if checkpoint_every < 0:
            raise ConfigurationError(f"--checkpoint-every must be >= 0, got {checkpoint_every}")
        options["output"] = output_activation(options.get("output"), old_output, default=None)
        given = given_settings(options, note=_note if lead else lambda text: None)
        check_train_options(given, save, checkpoint_every, resume)
        # without --save, a resumed run saves to its --resume file
        outputs = {"--save" if save or not resume else "--resume": save or resume, "--plot": plot}
        check_paths({"--data": given.get("data")}, outputs)
        if plot is not None:
            from chainrule.cli.plotting import image_format

            image_format(plot, "--plot")
        if resume is not None:
            resumed = commands.prepare_resume(resume, given)
            check_paths({"--data": resumed.settings.data}, outputs)
            model, history, report = _train_with_progress(
                lambda show: commands.resume(resumed, [show], save, checkpoint_every, ranks),
                resumed.settings.epochs,
                quiet=json_output,
            )
            save = save or resume
        else:
            settings = TrainSettings(**given)
            model, history, report = _train_with_progress(
                lambda show: commands.train(settings, [show], save, checkpoint_every, ranks),
                settings.epochs,
                quiet=json_output,
            )
        if save is not None:
            report["saved"] = str(save)
        if plot is not None and lead:
            monitor = report.get("monitor", "score")
            trained = commands.Trained(save or "the run", model, None, history, monitor)
            _plot(trained, plot, with_data=True)
            report["plot"] = str(plot)
    except ChainruleError as exc:
        if ranks is not None and ranks.size > 1:
            # One rank's error (a bad row in its shard, say) must not leave the others
            # waiting for it in a collective: report it and end the whole job.
            print_error(f"rank {ranks.rank}: {exc}")
            ranks.abort(2)
        fail(str(exc))
    except commands.Interrupted as stop:
        if lead:  # under MPI every rank stops at the same step; rank 0 saved and reports
            stderr.print(_interrupted_line(stop), highlight=False, soft_wrap=True)
        raise typer.Exit(code=128 + stop.signum) from None
    if not lead:
        return
    if json_output:
        emit_json(report)
    else:
        _print_train_report(report)
    overfit = _overfitting(report)
    if overfit:
        _note(overfit)


OVERFITTING_GAP = 0.15  # of accuracy or R²: more than chance between a split's two sides


def _overfitting(report: dict[str, Any]) -> str | None:
    """The advice to try --early-stopping, when the test score is far below the training
    score of a run that trained on every row (the network learned the training rows)."""
    key = "accuracy" if "accuracy" in report["test"] else "r2"
    train, test = report["train"][key], report["test"][key]
    if "monitor" in report or train - test <= OVERFITTING_GAP:
        return None
    name = "accuracy" if key == "accuracy" else "R²"
    return (
        f"the test {name} ({test:.4g}) is far below the training {name} ({train:.4g}): the "
        "network learned the training rows too well; try --early-stopping"
    )


def _interrupted_line(stop: commands.Interrupted) -> str:
    name = signal.Signals(stop.signum).name
    line = f"interrupted ({name}) after epoch {stop.epochs_done}"
    if stop.saved:
        line += f"; saved to {stop.saved}: continue with 'chainrule train --resume {stop.saved}'"
    else:
        line += " (nothing saved: no --save)"
    if stop.held:
        line += "; a later signal came during the save and waited until the save was complete"
    return line


STOPS = (signal.SIGINT, signal.SIGTERM)


def _note(text: str) -> None:
    stderr.print(f"note: {text}", highlight=False, soft_wrap=True)


def _train_with_progress(work: Any, epochs: int, quiet: bool) -> tuple[Any, Any, dict]:
    with Progress(
        TextColumn("[bold]epoch {task.completed:>5.0f}/{task.total:.0f}"),
        BarColumn(),
        TextColumn("cost {task.fields[cost]:.5f}"),
        TextColumn("{task.fields[score]}"),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=stderr,
        disable=quiet or not stderr.is_terminal,
        transient=True,
    ) as progress:
        # hidden until the first epoch has a cost to show (loading the data takes a while)
        task = progress.add_task("train", total=epochs, cost=0.0, score="", visible=False)

        def show(net: Network, epoch: int, history: Any) -> None:
            score = ""
            if history.val_score:  # early stopping: the validation rows' cost and score
                metric = "R²" if net.output.name == "identity" else "accuracy"
                score = f"validation cost {history.val_cost[-1]:.5f}, "
                score += f"{metric} {history.val_score[-1]:.4f}"
            progress.update(task, completed=epoch, cost=history.cost[-1], score=score, visible=True)

        return work(show)


def _metric_text(measured: dict[str, Any]) -> str:
    if "accuracy" in measured:
        return f"accuracy {measured['accuracy']:.2%}"
    return f"R² {measured['r2']:.4f}, MSE {measured['mse']:.4g} (in the target's units)"


def _print_train_report(report: dict[str, Any]) -> None:
    table = Table(title=f"chainrule train: {report['data']}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    layers = "-".join(map(str, report["layers"]))
    table.add_row(
        "network", f"{layers} ({report['hidden_activation']} / {report['output_activation']})"
    )
    table.add_row("optimizer", report["optimizer"])
    metric = "R²" if "r2" in report["test"] else "accuracy"
    epochs = str(report["epochs"])
    if report["stop_reason"] != "epochs":  # ran them all: the number says it
        stopped = commands.stop_text(report["stop_reason"], report.get("monitor", "score"), metric)
        epochs += f" ({stopped})"
    table.add_row("epochs", epochs)
    if "resumed_from_epoch" in report:
        table.add_row("resumed from epoch", str(report["resumed_from_epoch"]))
    table.add_row("final training cost", f"{report['final_cost']:.5f} ({report['cost']})")
    table.add_row("train", f"{_metric_text(report['train'])} on {report['train_examples']}")
    table.add_row("test", f"{_metric_text(report['test'])} on {report['test_examples']}")
    table.add_row("time", f"{report['seconds']:.2f} s")
    for key in ("saved", "plot"):
        if key in report:
            table.add_row(key, report[key])
    stdout.print(table)


# ---------------------------------------------------------------------- evaluate / predict


@app.command()
def evaluate(
    model: ModelOption,
    data: Annotated[
        str | None, typer.Option(help="Data to evaluate on (default: the model's test split).")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Label column of a CSV.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Accuracy, precision/recall/F1 and confusion matrix, or MSE/MAE/R² for regression."""
    try:
        trained = commands.read_trained(model)
        rows, which = commands.evaluation_data(trained, data, target)
        result = {
            "model": str(model),
            "data": rows.name,
            "rows": which,
            "examples": len(rows.y),
            **commands.evaluate(trained.model, rows),
        }
    except ChainruleError as exc:
        fail(str(exc))
    if json_output:
        emit_json(result)
        return
    stdout.print(
        Text.assemble(
            (str(model), "bold"),
            f" on {result['data']} ({which}, {plural(result['examples'], 'example')})",
        )
    )
    if "accuracy" not in result:
        for key in ("mse", "mae", "r2"):
            stdout.print(f"  {key.upper():>4}: {result[key]:.6g}")
        return
    stdout.print(f"  accuracy: {result['accuracy']:.2%}   macro F1: {result['macro_f1']:.4f}")
    per_class = Table("class", "precision", "recall", "F1", "support")
    for label, values in result["per_class"].items():
        per_class.add_row(
            label,
            f"{values['precision']:.3f}",
            f"{values['recall']:.3f}",
            f"{values['f1']:.3f}",
            str(values["support"]),
        )
    stdout.print(per_class)
    confusion = Table("true \\ predicted", *result["labels"], title="confusion matrix")
    for label, row in zip(result["labels"], result["confusion_matrix"], strict=True):
        confusion.add_row(label, *map(str, row))
    stdout.print(confusion)


@app.command()
def predict(
    model: ModelOption,
    data: Annotated[str, typer.Option(help="Data to predict: bundled name or .csv/.npz/IDX path.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the CSV to this file instead of stdout (writes a file)."
        ),
    ] = None,
) -> None:
    """Predictions (and class probabilities) as CSV. Writes a file: --output, never over
    --model or --data."""
    try:
        check_paths({"--model": model, "--data": data}, {"--output": output})
        trained = commands.read_trained(model)
        target = trained.run.target if trained.run else None
        rows = commands.aligned(trained.model, load_data(data, target, require_target=False))
        text = commands.predictions_csv(trained.model, rows.X)
        if output is None:
            write_stdout(text, f"the CSV of {plural(len(rows.X), 'prediction')}", "-o FILE.csv")
        else:
            commands.write_text_atomically(output, text)
            stderr.print(f"wrote {plural(len(rows.X), 'prediction')} to {output}")
    except ChainruleError as exc:
        fail(str(exc))


# ---------------------------------------------------------------------- gradcheck / explain


OutputActivationOption = Annotated[
    str | None,
    typer.Option(
        "--output-activation",
        help=plain("Output activation: sigmoid, softmax or identity [default: sigmoid]."),
        show_default=False,
    ),
]
OldOutputOption = Annotated[
    str | None, typer.Option("--output", hidden=True, help="Old spelling of --output-activation.")
]


def output_activation(
    given: str | None, old_spelling: str | None, default: str | None = "sigmoid"
) -> str | None:
    """``--output-activation`` (default sigmoid), or its old spelling ``--output``, kept in
    the commands where ``--output`` names no file; both, disagreeing, is an error."""
    if given is not None and old_spelling is not None and given != old_spelling:
        raise ConfigurationError(
            f"--output {old_spelling} and --output-activation {given} disagree; give one"
        )
    return given or old_spelling or default


@app.command()
def gradcheck(
    layers: Annotated[
        str,
        typer.Option(
            help="Layer sizes n[0],...,n[L]; the default is the network 'train' builds for "
            "breast-cancer."
        ),
    ] = "30,16,1",
    activation: Annotated[str, typer.Option(help="Hidden activation.")] = "relu",
    output_activation_name: OutputActivationOption = None,
    old_output: OldOutputOption = None,
    examples: Annotated[
        int,
        typer.Option(help="Random examples m to check on; a few exercise every term of J."),
    ] = 8,
    seed: Annotated[int, typer.Option(help="Seed for the data and the network.")] = 0,
    tolerance: Annotated[
        float,
        typer.Option(
            help="Largest relative error that passes: a right backward pass in float64 "
            "agrees with centred differences to 1e-8 or better, a wrong one by far less."
        ),
    ] = 1e-7,
    json_output: JsonOption = False,
) -> None:
    """Check backpropagation against finite differences, per parameter.

    Near a relu kink (Z = 0) an entry's step is shrunk until no Z crosses it; entries that
    cross one even at the smallest step are left out of the verdict and counted."""
    try:
        output = output_activation(output_activation_name, old_output)
        sizes = parse_sizes(layers, "--layers")
        if examples < 1:
            raise ConfigurationError(f"--examples must be at least 1, got {examples}")
        check_seed_option(seed)
        net, X, Y = gradcheck_problem(sizes, activation, output, examples, seed)
        result = run_gradcheck(net, X, Y)
    except ChainruleError as exc:
        fail(str(exc))
    passed = result.passed(tolerance)
    if json_output:
        emit_json(
            {
                "layers": sizes,
                "activation": activation,
                "output": output,
                "tolerance": tolerance,
                **result.as_dict(),
                "passed": passed,
            }
        )
    else:
        table = Table(
            "parameter",
            "shape",
            "relative error",
            "entries checked",
            "result",
            title=f"gradient check: {'-'.join(map(str, sizes))} {activation}/{output}",
        )
        for name, error in result.items():
            checked, total = result.checked[name], net.params[name].size
            if not checked:
                shown, verdict = "-", "not checked"
            else:
                shown = f"{error:.2e}"
                verdict = Text("pass", "green") if error < tolerance else Text("FAIL", "red")
            table.add_row(name, str(net.params[name].shape), shown, f"{checked}/{total}", verdict)
        stdout.print(table)
        total = result.n_checked + result.n_skipped
        line = f"checked {result.n_checked} of {total} entries ({result.fraction_checked:.1%})"
        if result.n_skipped:
            line += f"; {result.n_skipped} left out: {result.reason} ({result.smallest_step:g})"
        stdout.print(line, highlight=False, soft_wrap=True)
    if not passed:
        raise typer.Exit(code=1)


ActivationOption = Annotated[
    str,
    typer.Option(help="Hidden activation, or one per hidden layer: relu,tanh."),
]
NetworkModelOption = Annotated[
    Path | None, typer.Option("--model", "-m", help="Use the network saved in this model file.")
]


@app.command()
def explain(
    layers: Annotated[str, typer.Option(help="Layer sizes n[0],...,n[L].")] = "30,16,1",
    activation: ActivationOption = "relu",
    output_activation_name: OutputActivationOption = None,
    old_output: OldOutputOption = None,
    model: NetworkModelOption = None,
    format: Annotated[str, typer.Option("--format", help="text, markdown or latex.")] = "text",
    json_output: JsonOption = False,
) -> None:
    """Print the forward and backward equations of a network, labelled as in the derivation,
    with every matrix's shape, the L2 and dropout terms, why dZ[L] = (A[L] - Y) / m, and
    the update rule (with --model: the optimiser and batch size it was trained with)."""
    try:
        if format not in ("text", "markdown", "latex"):
            raise ConfigurationError(f"--format must be text, markdown or latex, not {format!r}")
        output = output_activation(output_activation_name, old_output)
        net = teach.network_of(model, layers, activation, output, 0, "float64")
        explanation = explain_network(net, *teach.training_of(model))
    except ChainruleError as exc:
        fail(str(exc))
    if json_output:
        emit_json(explanation.as_dict())
    else:
        write_stdout(explanation.render(format) + "\n", "the explanation", "> FILE.txt")


@app.command()
def trace(
    layers: Annotated[
        str | None,
        typer.Option(help=plain("Layer sizes n[0],...,n[L] [default: 3,4,2,1, or from --data].")),
    ] = None,
    activation: ActivationOption = "relu",
    output_activation_name: OutputActivationOption = None,
    old_output: OldOutputOption = None,
    examples: Annotated[
        int | None,
        typer.Option(help=plain("Examples m in the step [default: 5, or one per class if more].")),
    ] = None,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate alpha.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed for the network and random data.")] = 0,
    data: Annotated[
        str | None,
        typer.Option(help="Take the first --examples examples of this data set (standardised)."),
    ] = None,
    model: NetworkModelOption = None,
    dtype: Annotated[str, typer.Option(help="float64 or float32.")] = "float64",
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Render as Markdown tables.")
    ] = False,
    weight: Annotated[
        str | None,
        typer.Option(
            "--weight", help="Follow one weight, e.g. W1[0,2], through the chain rule as scalars."
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """One training step with every matrix printed with real numbers, in computing order,
    labelled by its equation: W, b, Z, A, the cost, dZ, dW and db beside finite differences,
    dA and g'(Z) before their product dZ, and W, b after the update."""
    try:
        output = output_activation(output_activation_name, old_output)
        check_seed_option(seed)
        dtype = check_dtype_option(dtype)
        net, X, Y = teach.trace_problem(
            layers, activation, output, examples, seed, data, model, dtype
        )
        step = trace_step(net, X, Y, lr, dtype)
        if weight is not None:
            followed = step.weight(weight)
            result, text = followed.as_dict(), followed.render()
        else:
            result = step.as_dict() if json_output else {}
            text = "" if json_output else step.render("markdown" if markdown else "text")
    except ChainruleError as exc:
        fail(str(exc))
    if json_output:
        emit_json(result)
    else:
        write_stdout(text, "the trace", "> FILE.txt")


@app.command()
def graph(
    layers: Annotated[str, typer.Option(help="Layer sizes n[0],...,n[L].")] = "3,4,2,1",
    activation: ActivationOption = "relu",
    output_activation_name: OutputActivationOption = None,
    model: NetworkModelOption = None,
    values: Annotated[
        bool,
        typer.Option(
            "--values",
            help="Add one real step's values: norms, or the numbers for tiny matrices.",
        ),
    ] = False,
    examples: Annotated[
        int | None, typer.Option(help="Examples m for --values (as for trace).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the network and the data of --values.")] = 0,
    format: Annotated[
        str | None,
        typer.Option(
            "--format", help=plain("svg, png or dot [default: from -o's suffix, else svg].")
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout (writes a file)."
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """The computation graph at the matrix level: forward edges with their operation,
    backward edges with their local rule and equation, shapes on every node; --values adds
    the numbers of the step 'chainrule trace' prints for the same options. Writes a file:
    --output, never over --model."""
    try:
        check_paths({"--model": model}, {"--output": out})
        suffix = out.suffix.lstrip(".").lower() if out is not None else ""
        format = format or (suffix if suffix in ("svg", "png", "dot") else "svg")
        if format not in ("svg", "png", "dot"):
            raise ConfigurationError(f"--format must be svg, png or dot, not {format!r}")
        if format == "png" and out is None:
            raise ConfigurationError("--format png needs a file: give -o FILE.png")
        check_seed_option(seed)
        output = output_activation(output_activation_name, None)
        step = None
        if values:
            net, X, Y = teach.trace_problem(
                layers, activation, output, examples, seed, None, model, "float64"
            )
            step = trace_step(net, X, Y)
        else:
            net = teach.network_of(model, layers, activation, output, seed, "float64")
        drawn = computation_graph(net, step)
        text = ""
        if format == "png":
            drawn.write_png(out)
        else:
            text = drawn.to_svg() if format == "svg" else drawn.to_dot()
            if out is not None:
                atomic_write_text(out, text, DataError)
    except ChainruleError as exc:
        fail(str(exc))
    if json_output:
        emit_json({**drawn.as_dict(), **({"file": str(out)} if out else {})})
    elif out is None:
        write_stdout(text, f"the graph ({format})", f"-o FILE.{format}", image=format == "svg")
    else:
        stdout.print(f"wrote {out} ({len(drawn.nodes)} nodes, {len(drawn.edges)} edges)")


@app.command()
def bughunt(
    list_bugs: Annotated[bool, typer.Option("--list", help="List the planted bugs.")] = False,
    bug: Annotated[
        int | None,
        typer.Option("--bug", help="Show the network and backward pass with bug N planted."),
    ] = None,
    hint: Annotated[int | None, typer.Option("--hint", help="Where to look for bug N.")] = None,
    answer: Annotated[int | None, typer.Option("--answer", help="Explain bug N.")] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Gradient-check the backward function in this file."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Find a planted mistake in backpropagation: --bug N shows the network, the backward
    pass with the bug in it and the gradient check, entry by entry; --hint N says where to
    look, --answer N what is wrong; --check FILE checks your fixed backward function."""
    try:
        chosen = [x for x in (list_bugs or None, bug, hint, answer, check) if x is not None]
        if len(chosen) != 1:
            raise ConfigurationError(
                "give one of --list, --bug N, --hint N, --answer N, --check FILE"
            )
        if list_bugs:
            result = {"bugs": [{"id": b.id} for b in BUGS]}
            lines = [f"{len(BUGS)} bugs, 1 to {len(BUGS)}: run 'chainrule bughunt --bug N'."]
        elif bug is not None:
            ground = hunting_ground()
            verdict = plant(bug, ground)
            result = {"network": ground.describe(), "source": backward_source(bug),
                      **verdict.as_dict()}  # fmt: skip
            lines = [
                ground.describe(), "",
                "The backward pass, with one mistake in it (each comment is the right equation):",
                "", backward_source(bug).rstrip(), "",
                "Its gradient check against finite differences of the cost:", "",
                verdict.render(), "",
                f"{len(verdict.failing)} of {len(verdict.errors)} parameters fail. Which line is "
                f"wrong? --hint {bug}, --answer {bug}; or write the fixed function to a file and "
                "run 'chainrule bughunt --check FILE'.",
            ]  # fmt: skip
        elif hint is not None:
            found = get_bug(hint)
            result, lines = (
                {"bug": found.id, "hint": found.hint},
                [f"Bug {found.id}: {found.hint}."],
            )
        elif answer is not None:
            found = get_bug(answer)
            result = {"bug": found.id, "answer": found.answer, "equation": found.equation,
                      "wrong": found.new, "right": found.old}  # fmt: skip
            lines = [f"Bug {found.id} breaks {found.equation}: {found.answer}.",
                     f"  wrong: {found.new}", f"  right: {found.old}"]  # fmt: skip
        else:
            verdict = check_file(check)
            result = verdict.as_dict()
            verdict_line = (
                "Every gradient matches finite differences: your backward pass is right."
                if not verdict.failing
                else f"{len(verdict.failing)} of {len(verdict.errors)} parameters still fail."
            )
            lines = [hunting_ground().describe(), "", verdict.render(), "", verdict_line]
    except ChainruleError as exc:
        fail(str(exc))
    if json_output:
        emit_json(result)
    else:
        write_stdout("\n".join(lines) + "\n", "the exercise", "> FILE.txt")
    if check is not None and result["failing"]:
        raise typer.Exit(code=1)


# ---------------------------------------------------------------------- export


@app.command()
def export(
    model: ModelOption,
    out: Annotated[
        Path, typer.Option("--output", "-o", help="The ONNX file to write (writes a file).")
    ],
    json_output: JsonOption = False,
) -> None:
    """Export a model file to ONNX: raw feature rows in (float32, any batch size); class
    labels and probabilities, or values, out, with the model's standardisation inside.
    Writes a file: --output, never over --model."""
    try:
        check_paths({"--model": model}, {"--output": out})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            summary = commands.export_onnx(model, out)
        summary["notes"] = [str(w.message).removeprefix("chainrule: ") for w in caught]
    except ChainruleError as exc:
        fail(str(exc))
    if json_output:
        emit_json(summary)
        return
    outputs = ", ".join(f"{name} {shape}" for name, shape in summary["outputs"].items())
    stdout.print(
        f"wrote {out}: input X {summary['inputs']['X']} -> {outputs} (opset {summary['opset']})"
    )
    for note in summary["notes"]:
        stderr.print(f"note: {note}", highlight=False, soft_wrap=True)


# ---------------------------------------------------------------------- playground


@app.command()
def playground(
    port: Annotated[
        int | None, typer.Option(help=plain("Port to serve on [default: a free one]."))
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; anything but 127.0.0.1 is reachable by others.")
    ] = "127.0.0.1",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser.")
    ] = False,
) -> None:
    """Train a network in the browser, with its equations, matrices and gradient check."""
    try:
        from chainrule.playground.server import serve
    except ImportError as error:
        fail(needs("the playground", "playground", error.name))
    if port is not None and not 0 < port < 65536:
        fail(f"--port must be from 1 to 65535, got {port}")

    def announce(url: str) -> None:
        typer.echo(f"chainrule playground on {url}  (Ctrl-C stops it)")

    # Ctrl-C (or SIGTERM) is how a server ends: uvicorn shuts down, then hands the signal on
    # as KeyboardInterrupt, which ends the command normally
    previous = {n: signal.signal(n, signal.default_int_handler) for n in STOPS}
    try:
        serve(host, port, not no_browser, announce, warn=lambda m: stderr.print(f"warning: {m}"))
    except KeyboardInterrupt:
        pass
    except OSError as error:
        fail(f"cannot serve on {host}:{port}: {error.strerror or error}")
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    typer.echo("chainrule playground stopped")


# ---------------------------------------------------------------------- plot


@app.command()
def plot(
    model: ModelOption,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (writes a file; default: the model's name with .png, or .gif "
            "with --frames). Its suffix names the format: .png, .jpg, .svg, .pdf...",
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            help="Two-feature data for the decision boundary (default: the training data)."
        ),
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="Label column of a CSV given as --data.")
    ] = None,
    dynamics: Annotated[
        bool,
        typer.Option(
            "--dynamics",
            help="Plot the learning dynamics recorded by 'train --record-every N' instead.",
        ),
    ] = False,
    frames: Annotated[
        int,
        typer.Option(
            help="Write an animated GIF of the decision boundary over training, with this "
            "many frames (replays the saved run's training: it is seeded, so the same run); "
            "0 for a still image.",
        ),
    ] = 0,
    json_output: JsonOption = False,
) -> None:
    """Training curves and the decision boundary (shaded by probability) for two-feature
    data, as PNG; the learning dynamics (--dynamics); or the boundary as it learns (--frames).
    Writes a file: --output, never over --model or --data."""
    output = output or model.with_suffix(".gif" if frames else ".png")
    try:
        from chainrule.cli.plotting import image_format

        check_paths({"--model": model, "--data": data}, {"--output": output})
        fmt = image_format(output, "--output", animated=bool(frames))
        loaded = commands.read_trained(model)
        loaded.require_run("plot")
        if dynamics:
            from chainrule.cli.plotting import plot_dynamics

            recorded = loaded.history.dynamics if loaded.history else []
            if not recorded:
                raise DataError(
                    f"{model}: no learning dynamics recorded; train with --record-every N"
                )
            width, height = plot_dynamics(
                output, recorded, loaded.history.cost, _dynamics_title(loaded)
            )
        elif frames:
            width, height = _animate(loaded, output, frames, data, target)
        else:
            width, height = _plot(loaded, output, with_data=True, data=data, target=target)
    except ChainruleError as exc:
        fail(str(exc))
    result = {"model": str(model), fmt: str(output), "width": width, "height": height}
    if frames:
        result["frames"] = frames
    if json_output:
        emit_json(result)
    else:
        stdout.print(f"wrote {output} ({width}x{height})")


def _dynamics_title(trained: commands.Trained) -> str:
    """``learning dynamics: digits, network 64-32-...-10 (sigmoid / softmax), sgd α = 0.05,
    batch 64``."""
    net = trained.model.net
    hidden = ", ".join(sorted({g.name for g in net.g[1:]}))
    title = f"learning dynamics: network {'-'.join(map(str, net.layer_sizes))} "
    title += f"({hidden} / {net.output.name})"
    if trained.run is not None:
        settings = trained.run.settings
        title = title.replace("dynamics: ", f"dynamics: {settings.data}, ")
        batch = settings.batch_size or "full"
        title += f", {settings.optimizer} α = {settings.learning_rate:g}, batch {batch}"
    return title


def _boundary(model: Any, run: commands.RunRecord, data: str | None, target: str | None) -> Any:
    """The model's decision boundary over its two-feature data, or ``None``."""
    from chainrule.cli.plotting import Boundary

    if model.net.layer_sizes[0] != 2 or model.classes is None:
        return None
    rows = commands.aligned(
        model, load_data(data or run.data, target or run.target, run.settings.seed)
    )
    return Boundary(rows.X, rows.y, model.classes.tolist(), rows.feature_names, model.predict_proba)


def _plot(
    trained: commands.Trained,
    path: Path,
    with_data: bool,
    data: str | None = None,
    target: str | None = None,
) -> tuple[int, int]:
    from chainrule.cli.plotting import plot_model

    model = trained.model
    run = commands.RunRecord.from_provenance(model.provenance, trained.path)
    boundary = _boundary(model, run, data, target) if with_data else None
    history = trained.history or History()
    stopped = None
    if history.stop_reason != "epochs":
        stopped = commands.stop_text(
            history.stop_reason, trained.monitor, commands.metric_name(model)
        )
    return plot_model(
        path,
        vars(history),
        boundary,
        stopped,
        metric=commands.metric_name(model),
        cost=commands.cost_name(model),
    )


def _animate(
    trained: commands.Trained, path: Path, frames: int, data: str | None, target: str | None
) -> Any:
    from chainrule.cli.plotting import boundary_gif

    model = trained.model
    if model.net.layer_sizes[0] != 2 or model.classes is None:
        raise DataError("--frames draws a decision boundary: it needs a classifier of 2 features")
    if frames < 3:
        raise ConfigurationError(f"--frames must be at least 3, got {frames}")
    replayed, snapshots = commands.replay(trained, frames - 1)
    boundary = _boundary(replayed, trained.require_run("--frames"), data, target)
    initial = Network(**replayed.net.config()).theta  # seeded: the run's own starting point
    snapshots = [(0, initial), *snapshots]

    def at(theta: np.ndarray) -> Any:
        def probabilities(X: np.ndarray) -> np.ndarray:
            replayed.net.theta[...] = theta
            return replayed.predict_proba(X)

        return probabilities

    return boundary_gif(path, boundary, [(epoch, at(theta)) for epoch, theta in snapshots])


train.__signature__ = inspect.Signature(
    [
        *train_options(),
        *(
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(train, eval_str=True).parameters.values()
            if p.name != "options"
        ),
    ]
)
app.command()(train)
