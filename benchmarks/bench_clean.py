"""How `pressroom clean` scales with the number of paragraphs, measured in one run.

A synthetic web article of N unique paragraphs, with some repeats, pull quotes and
furniture mixed in, is cleaned for each N; the table gives seconds and the growth from one
size to the next (2.0 per doubling is linear, 4.0 quadratic). Words are drawn as in real
prose, by Zipf's law (the k-th commonest word k times rarer than the commonest) from a
vocabulary of 200,000; `--uniform` draws them evenly from 20,000 instead, a worst case for
the near-duplicate index, whose work grows with how often a paragraph's rarest words recur.

    .venv/bin/python benchmarks/bench_clean.py [--sizes 1000 2000 4000 ...] [--profile 30]

`--profile N` then cleans the largest size again under cProfile and prints the top N
entries by internal time.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import random
import time

from pressroom.clean import clean_text

SYLLABLES = ["ka", "lo", "mi", "ra", "su", "te", "vo", "ne", "di", "pa", "ru", "shi", "an", "el"]


def article(paragraphs: int, seed: int = 1, uniform: bool = False) -> str:
    rng = random.Random(seed)
    size = 20_000 if uniform else 200_000
    vocabulary = [
        "".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) + str(n) for n in range(size)
    ]
    weights = None if uniform else [1 / rank for rank in range(1, size + 1)]
    cumulative = list(itertools.accumulate(weights)) if weights else None

    def sentence() -> str:
        words = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(8, 18))
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    body = [" ".join(sentence() for _ in range(rng.randint(2, 5))) for _ in range(paragraphs)]
    items = ["A Title for the Benchmark", *body]
    for _ in range(paragraphs // 50):  # repeats, pull quotes, furniture
        items.insert(rng.randint(2, len(items)), rng.choice(body))
        items.insert(rng.randint(2, len(items)), rng.choice(body).split(". ")[0] + ".")
        items.insert(rng.randint(2, len(items)), "Share on Facebook")
    return "\n\n".join(items) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    parser.add_argument("--uniform", action="store_true", help="words drawn evenly")
    parser.add_argument("--profile", type=int, metavar="N", help="profile the largest size")
    args = parser.parse_args()
    previous = None
    print(f"{'paragraphs':>10} {'seconds':>9} {'growth':>7}")
    for size in args.sizes:
        text = article(size, uniform=args.uniform)
        start = time.perf_counter()
        clean_text(text)
        took = time.perf_counter() - start
        growth = f"{took / previous:7.2f}" if previous else "      -"
        print(f"{size:>10} {took:9.2f} {growth}", flush=True)
        previous = took
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(clean_text, article(max(args.sizes), uniform=args.uniform))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
