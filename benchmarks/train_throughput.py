"""Steps per second of the zoo's DCGAN step against a plain reference loop, in one run.

    python benchmarks/train_throughput.py                       # CPU, fp32
    python benchmarks/train_throughput.py --device cuda --precision bf16 --compile --cuda-graph
    python benchmarks/train_throughput.py --profile             # and where each loop's time goes
    python benchmarks/train_throughput.py --optimizers          # and Adam's three kernels alone
    python benchmarks/train_throughput.py --smoke               # seconds; checks the harness

The reference is written the way PyTorch-GAN's scripts are: a DataLoader over a TensorDataset,
a sigmoid + BCELoss discriminator objective, label tensors built every step, noise drawn with
numpy and copied to the device, default Adam. It uses the same networks (the zoo's DCGAN
generator and discriminator, same initialisation), batch size and optimizer settings. The two
loops alternate in rounds so that drifting machine load hits both alike.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ganzoo.contracts import Runtime
from ganzoo.engine.batches import DeviceBatches
from ganzoo.engine.devices import denormals_flushed, resolve_device
from ganzoo.engine.distributed import ProcessGroup
from ganzoo.engine.trainer import prepare_for_training, step_runner
from ganzoo.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from ganzoo.variants import build_config, load_data, variant_class


class ZooLoop:
    def __init__(self, device, batch_size, precision, compile_, cuda_graph):
        cls = variant_class("dcgan")
        self.config = build_config(cls, {})
        data = load_data("digits", cls, self.config, 0)
        self.variant = cls(self.config, data.info, Runtime(device, capturable=cuda_graph))
        prepare_for_training(self.variant, ProcessGroup(), compile_)
        batches = DeviceBatches(data, batch_size, device, 0)
        self.train_step = step_runner(self.variant, batches, precision, cuda_graph)
        self.step = 0

    def run(self, steps):
        with denormals_flushed(self.variant.device):
            for _ in range(steps):
                self.train_step(self.step)
                self.step += 1


class ReferenceLoop:
    """A PyTorch-GAN-style loop over the same networks."""

    def __init__(self, device, batch_size, config):
        cls = variant_class("dcgan")
        data = load_data("digits", cls, config, 0)
        images = data.train["x"]
        self.loader = DataLoader(
            TensorDataset(images), batch_size=batch_size, shuffle=True, drop_last=True
        )
        self.iterator = iter(self.loader)
        channels, size = images.shape[1], images.shape[-1]
        self.generator = DCGANGenerator(config.z_dim, size, channels, config.width).to(device)
        self.discriminator = DCGANDiscriminator(size, channels, config.width).to(device)
        self.optimizer_g = torch.optim.Adam(
            self.generator.parameters(), lr=config.lr_g, betas=config.betas
        )
        self.optimizer_d = torch.optim.Adam(
            self.discriminator.parameters(), lr=config.lr_d, betas=config.betas
        )
        self.loss = nn.BCELoss()
        self.device = device
        self.z_dim = config.z_dim

    def next_images(self):
        try:
            return next(self.iterator)[0]
        except StopIteration:
            self.iterator = iter(self.loader)
            return next(self.iterator)[0]

    def run(self, steps):
        for _ in range(steps):
            imgs = self.next_images()
            valid = torch.ones(imgs.shape[0], 1, device=self.device)
            fake = torch.zeros(imgs.shape[0], 1, device=self.device)
            real_imgs = imgs.to(self.device)
            self.optimizer_g.zero_grad()
            z = torch.tensor(
                np.random.normal(0, 1, (imgs.shape[0], self.z_dim)),
                dtype=torch.float32,
                device=self.device,
            )
            gen_imgs = self.generator(z)
            g_loss = self.loss(torch.sigmoid(self.discriminator(gen_imgs)).unsqueeze(1), valid)
            g_loss.backward()
            self.optimizer_g.step()
            self.optimizer_d.zero_grad()
            real_loss = self.loss(torch.sigmoid(self.discriminator(real_imgs)).unsqueeze(1), valid)
            fake_loss = self.loss(
                torch.sigmoid(self.discriminator(gen_imgs.detach())).unsqueeze(1), fake
            )
            d_loss = (real_loss + fake_loss) / 2
            d_loss.backward()
            self.optimizer_d.step()


def timed(loop, steps, device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    loop.run(steps)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


class OptimizerLoop:
    def __init__(self, optimizer: torch.optim.Optimizer):
        self.optimizer = optimizer

    def run(self, steps):
        for _ in range(steps):
            self.optimizer.step()


def time_adam_kernels(networks: list[nn.Module], rounds: int, steps: int, device) -> dict:
    """Microseconds per `step()` of torch's three Adam implementations over the same parameters,
    alternating in rounds: the engine's choice of kernel rests on this comparison."""
    parameters = [p for network in networks for p in network.parameters()]
    for parameter in parameters:
        parameter.grad = torch.randn_like(parameter)
    kernels = {
        "for-loop": {"foreach": False},
        "foreach": {"foreach": True},
        "fused": {"fused": True},
    }
    loops = {name: OptimizerLoop(torch.optim.Adam(parameters, **kernels[name])) for name in kernels}
    for loop in loops.values():
        loop.run(1)
    timings = {name: [] for name in loops}
    for _ in range(rounds):
        for name, loop in loops.items():
            timings[name].append(1e6 / timed(loop, steps, device))
    return {name: statistics.median(values) for name, values in timings.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "auto"])
    parser.add_argument("--compile", action="store_true")
    parser.add_argument(
        "--cuda-graph", action="store_true", help="the zoo's step recorded as a CUDA graph"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=60, help="steps per round and loop")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--profile", action="store_true", help="then torch.profiler's top operators for each loop"
    )
    parser.add_argument(
        "--optimizers", action="store_true", help="then Adam's three kernels on the zoo's networks"
    )
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.steps, args.warmup, args.optimizers = 1, 3, 1, True
    device = resolve_device(args.device)
    torch.manual_seed(0)
    np.random.seed(0)
    zoo = ZooLoop(device, args.batch_size, args.precision, args.compile, args.cuda_graph)
    reference = ReferenceLoop(device, args.batch_size, zoo.config)
    zoo.run(args.warmup)
    reference.run(args.warmup)
    rates = {"zoo": [], "reference": []}
    for _ in range(args.rounds):
        rates["reference"].append(timed(reference, args.steps, device))
        rates["zoo"].append(timed(zoo, args.steps, device))
    zoo_rate = statistics.median(rates["zoo"])
    reference_rate = statistics.median(rates["reference"])
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    print(
        f"device: {device} ({where or platform.machine()}), torch {torch.__version__}, "
        f"threads {torch.get_num_threads()}"
    )
    print(
        f"DCGAN 16 px, batch {args.batch_size}; zoo precision {args.precision}, "
        f"compile {args.compile}, CUDA graph {args.cuda_graph}; reference fp32 eager"
    )
    print(
        f"reference: {reference_rate:.1f} steps/s   zoo: {zoo_rate:.1f} steps/s   "
        f"(median of {args.rounds} rounds of {args.steps} steps)"
    )
    print(f"speed-up: {zoo_rate / reference_rate:.2f}x")
    if args.profile:
        for name, loop in (("reference", reference), ("zoo", zoo)):
            with torch.profiler.profile() as profiler:
                loop.run(args.steps)
            table = profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=12)
            print(f"\n{name}, {args.steps} steps:\n{table}")
    if args.optimizers:
        networks = list(zoo.variant.networks.values())
        timings = time_adam_kernels(networks, args.rounds, args.steps, device)
        print(f"Adam step() over G and D, µs (median of {args.rounds} rounds of {args.steps}):")
        print("   ".join(f"{name} {value:.0f}" for name, value in timings.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
