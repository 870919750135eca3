"""chainrule on a GPU through the array API, against PyTorch CUDA eager.

The same network and data as ``benchmarks/compare.py``'s ``mnist`` and ``wide`` workloads
(plain SGD, float32, relu hidden layers, softmax output, one epoch), on one device:

* ``chainrule-torch``: :class:`chainrule.Trainer` given torch tensors; the parameters move to
  the tensors' device and every step runs there (``chainrule.core.arrays``);
* ``chainrule-cupy``: the same on CuPy arrays, when CuPy is installed;
* ``torch-eager``: what a PyTorch user writes: ``nn.Linear`` layers, ``cross_entropy``,
  ``loss.backward()`` and an in-place SGD update under ``torch.no_grad()``.

Each time is the best of ``--repeat`` epochs after one warm-up epoch, with the device
synchronised before the clock starts and stops.

    python benchmarks/gpu.py                         # cuda, best of 3
    python benchmarks/gpu.py --device cpu --tiny     # torch CPU tensors: keeps it working
    python benchmarks/gpu.py --json

Needs PyTorch (and ``chainrule[array-api]``); run it on a machine with a GPU for figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

import chainrule as cr

WORKLOADS = {
    # name: (layer sizes, examples, batch size, learning rate)
    "mnist": ((784, 256, 128, 10), 60000, 128, 0.05),
    "wide": ((784, 1024, 1024, 10), 32768, 1024, 0.05),
}


@dataclass
class Row:
    workload: str
    system: str
    device: str
    seconds: float
    steps: int
    cost_after: float

    @property
    def per_step_us(self) -> float:
        return self.seconds / self.steps * 1e6


def data(layers: tuple[int, ...], m: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``X`` ``(m, n[0])`` and one-hot ``Y`` ``(m, n[L])``, float32, from a fixed seed."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, layers[0]), dtype=np.float32)
    Y = np.eye(layers[-1], dtype=np.float32)[rng.integers(0, layers[-1], m)]
    return X, Y


def best_of(repeat: int, epoch: Callable[[], float], synchronize: Callable[[], None]):
    epoch()  # warm-up: allocations, kernels, moving the parameters
    best, cost = math.inf, math.nan
    for _ in range(repeat):
        synchronize()
        start = time.perf_counter()
        cost = epoch()
        synchronize()
        best = min(best, time.perf_counter() - start)
    return best, cost


def chainrule_epoch(asarray: Callable, layers, X, Y, batch, rate) -> Callable[[], float]:
    net = cr.Network(list(layers), "relu", "softmax", seed=0)
    trainer = cr.Trainer(net, cr.GradientDescent(rate), batch_size=batch, shuffle=False)
    X_cols, Y_cols = asarray(X).T, asarray(Y).T  # examples as columns: views of the rows

    def epoch() -> float:
        return trainer.fit(X_cols, Y_cols, epochs=1).cost[-1]

    return epoch


def torch_eager_epoch(torch, device, layers, X, Y, batch, rate) -> Callable[[], float]:
    torch.manual_seed(0)
    sizes = list(zip(layers[:-1], layers[1:], strict=True))
    model = torch.nn.Sequential(
        *[
            module
            for i, (n_in, n_out) in enumerate(sizes)
            for module in (
                [torch.nn.Linear(n_in, n_out)] + ([torch.nn.ReLU()] if i < len(sizes) - 1 else [])
            )
        ]
    ).to(device)
    X_t = torch.asarray(X, device=device)
    labels = torch.asarray(Y.argmax(axis=1), device=device)
    parameters = list(model.parameters())

    def epoch() -> float:
        total = torch.zeros((), device=device)
        for start in range(0, X_t.shape[0], batch):
            loss = torch.nn.functional.cross_entropy(
                model(X_t[start : start + batch]), labels[start : start + batch]
            )
            loss.backward()
            with torch.no_grad():
                for p in parameters:
                    p.sub_(p.grad, alpha=rate)
                    p.grad = None
            total += loss.detach()
        return float(total) / math.ceil(X_t.shape[0] / batch)

    return epoch


def run(workloads, device: str, repeat: int, tiny: bool) -> list[Row]:
    import torch

    synchronize = torch.cuda.synchronize if device.startswith("cuda") else lambda: None
    systems: dict[str, Callable] = {
        "chainrule-torch": lambda layers, X, Y, b, r: chainrule_epoch(
            lambda a: torch.asarray(a, device=device), layers, X, Y, b, r
        ),
        "torch-eager": lambda layers, X, Y, b, r: torch_eager_epoch(
            torch, device, layers, X, Y, b, r
        ),
    }
    if device.startswith("cuda") and importlib.util.find_spec("cupy"):
        import cupy

        systems["chainrule-cupy"] = lambda layers, X, Y, b, r: chainrule_epoch(
            cupy.asarray, layers, X, Y, b, r
        )
    rows = []
    for name in workloads:
        layers, m, batch, rate = WORKLOADS[name]
        if tiny:
            m = 2 * batch
        X, Y = data(layers, m)
        for system, make in systems.items():
            seconds, cost = best_of(repeat, make(layers, X, Y, batch, rate), synchronize)
            rows.append(Row(name, system, device, seconds, math.ceil(m / batch), cost))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="torch device (default cuda)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="two batches a workload")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("no CUDA device here: run on a machine with a GPU, or --device cpu")
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    rows = run(args.workloads, args.device, args.repeat, args.tiny)
    baseline = {r.workload: r.seconds for r in rows if r.system == "torch-eager"}
    if args.json:
        print(
            json.dumps(
                {
                    "device": name,
                    "rows": [
                        {
                            **asdict(r),
                            "per_step_us": r.per_step_us,
                            "vs_torch_eager": r.seconds / baseline[r.workload],
                        }
                        for r in rows
                    ],
                },
                indent=2,
            )
        )
        return
    print(f"device: {name} ({args.device}); best of {args.repeat} epochs after a warm-up")
    print(f"{'workload':8} {'system':16} {'seconds':>9} {'us/step':>9} {'vs torch':>9} cost")
    for r in rows:
        ratio = r.seconds / baseline[r.workload]
        print(
            f"{r.workload:8} {r.system:16} {r.seconds:9.4f} {r.per_step_us:9.1f} "
            f"{ratio:8.2f}x {r.cost_after:.4f}"
        )


if __name__ == "__main__":
    main()
