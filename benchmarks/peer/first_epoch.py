#!/usr/bin/python3
"""First epoch against steady state, from the log of `mgiad train` (plain log lines, written every ~10% of an epoch
when the output is not a terminal). Each line carries the images/s since the epoch's start, so the time at each
line is images / rate; the steady state is the rate over the epoch's second half.

Usage: python3 benchmarks/peer/first_epoch.py train.log [batch]
"""
import re
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    points = []
    for line in open(sys.argv[1]):
        m = re.match(r"epoch 1/\d+\s+(\d+)/(\d+) .* (\d+) img/s", line)
        if m:
            step, steps, rate = int(m.group(1)), int(m.group(2)), float(m.group(3))
            if rate > 0:
                images = step * batch
                points.append((step, steps, images, images / rate))
    if len(points) < 3:
        sys.exit("first_epoch: fewer than 3 progress lines of epoch 1 in " + sys.argv[1])
    step, steps, images, secs = points[-1]
    half = min(points, key=lambda p: abs(p[0] - steps / 2))
    steady = (images - half[2]) / (secs - half[3])
    first = images / secs
    print(f"first epoch: {first:.0f} img/s over {step} steps ({secs:.1f} s); steady state (steps {half[0]}-{step}): "
          f"{steady:.0f} img/s; ratio {first / steady:.2f}")
    s1, _, i1, t1 = points[0]
    print(f"first {s1} step(s): {t1:.1f} s ({i1 / t1:.0f} img/s)")


if __name__ == "__main__":
    main()
