/**
 * The models of the spec ({@code shared/ARCHITECTURE.md}) on the engine's operators: ResNet18/20, MgNet
 * (shared A or A and B, dense or grouped), MGIC and MGiaD. Artifact {@code dev.mgiad:models}, which needs the engine
 * alone (no data sets, training, OpenCL or command line).
 *
 * <p>Entry points: a {@link dev.mgiad.model.ModelConfig} (the paper's defaults per family from
 * {@link dev.mgiad.model.ModelConfig#defaults}, changed with {@code with...}), {@link dev.mgiad.model.Models#build}
 * and the {@link dev.mgiad.model.Model} it returns: {@code forward(Graph, Var)} for training and evaluation,
 * {@code root()} for the named parameter tree, {@code weightCount()} and {@code macs(h, w)}.
 *
 * <p>Each forward algorithm is written once against {@link dev.mgiad.engine.nn.Ops}, generic in the value type: the
 * autograd graph implements those operators itself and records the run, the {@link dev.mgiad.model.MacCounter} run
 * walks it on shapes only and counts the multiply-adds as executed. The blocks read like the paper:
 * {@link dev.mgiad.model.Smoother#step} is the MgNet smoothing step, {@link dev.mgiad.model.Multigrid#fas} the FAS
 * transfer between resolution levels (Alg. 1/3), {@link dev.mgiad.model.MgiadLevel#sic} the in-channel V-cycle
 * (Alg. 2).
 *
 * <p>Parameter names are dotted paths, stable across runs: {@code stem.conv.weight},
 * {@code levels.2.channel.1.A.weight}, {@code levels.2.channel.1.bn_r.0.weight} (batch norm under PyTorch's names),
 * {@code levels.1.dead_pi.weight}, {@code fc.weight}. Resolution and channel levels count from 1 (the paper's l and
 * kappa), smoothing steps and blocks from 0. {@code benchmarks/peer/mgiad_torch.py} writes the same models in PyTorch
 * with the same module tree, so a checkpoint loads there with {@code load_state_dict(strict=True)}; the golden test
 * checks that both engines compute the same logits and gradients.
 */
package dev.mgiad.model;
