package dev.mgiad.train;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.nn.StateBuffer;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch norm is saved under PyTorch's names ({@code bn.weight}, {@code bn.bias}); checkpoints written before that,
 * with {@code bn.gamma} and {@code bn.beta}, must still load every tensor, momentum buffers included, so that old
 * runs evaluate and resume exactly.
 */
class LegacyNamesTest {
    private static final ModelConfig TINY = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withInput(1, 10)
            .withWidths(4, 8).withCk(4).withGs(2);

    @Test
    void batchNormTensorsCarryPyTorchNames(@TempDir Path tmp) throws Exception {
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 1);
            Checkpoint.save(tmp, m.root(), be, state(1));
            var names = SafeTensors.read(Checkpoint.latest(tmp).resolve("model.safetensors")).tensors().keySet();
            for (String suffix : List.of("weight", "bias", "running_mean", "running_var")) {
                assertTrue(names.contains("stem.bn." + suffix), "stem.bn." + suffix + " in " + names);
                assertTrue(names.contains("levels.2.channel.1.bn_u.2." + suffix));
            }
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".gamma") || n.endsWith(".beta")), names.toString());
        }
    }

    @Test
    void checkpointsWithTheOldBatchNormNamesStillLoadEveryTensor(@TempDir Path tmp) throws Exception {
        try (CpuBackend be = new CpuBackend(1)) {
            Model saved = Models.build(TINY, be, 1);
            randomize(saved, be, new SplittableRandom(5));
            Checkpoint.save(tmp, saved.root(), be, state(3));
            Path ck = Checkpoint.latest(tmp);
            int renamed = rewriteWithOldNames(ck.resolve("model.safetensors"), saved, "");
            int renamedMomentum = rewriteWithOldNames(ck.resolve("optimizer.safetensors"), saved, ".momentum_buffer");
            assertTrue(renamed > 0 && renamed == renamedMomentum, renamed + " / " + renamedMomentum);
            assertTrue(SafeTensors.read(ck.resolve("model.safetensors")).tensors().containsKey("stem.bn.gamma"));

            Model loaded = Models.build(TINY, be, 2);
            Checkpoint.load(tmp, loaded.root(), be, true);
            assertEquals(snapshot(saved, be), snapshot(loaded, be));
        }
    }

    @Test
    void onlyLegacyNamesAreMapped() {
        var w = new SafeTensors.Entry("x", new int[]{1}, new float[]{1});
        var mapped = Checkpoint.currentNames(Map.of("a.bn.gamma", w, "a.bn.beta.momentum_buffer", w, "gamma_net.weight", w));
        assertEquals(java.util.Set.of("a.bn.weight", "a.bn.bias.momentum_buffer", "gamma_net.weight"), mapped.keySet());
        var both = Checkpoint.currentNames(Map.of("a.gamma", w, "a.weight", w));
        assertEquals(java.util.Set.of("a.gamma", "a.weight"), both.keySet(), "a file that has both names is not legacy");
    }

    private static RunState state(int epoch) { return new RunState(epoch, TINY, TrainerTest.options(epoch, 0.05f), List.of()); }

    /** Non-trivial values for every tensor a checkpoint holds: weights, BN statistics and momentum buffers. */
    private static void randomize(Model m, CpuBackend be, SplittableRandom r) {
        for (Parameter p : m.root().parameters()) {
            be.upload(random(r, (int) p.elements()), p.value());
            be.upload(random(r, (int) p.elements()), p.velocity(be));
        }
        for (StateBuffer b : m.root().namedBuffers().values()) be.upload(random(r, (int) b.value().shape().elements()), b.value());
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(0.1, 2);
        return a;
    }

    /** Renames the batch-norm scale and shift in a saved file to the names checkpoints used before. */
    private static int rewriteWithOldNames(Path file, Model m, String suffix) throws Exception {
        var contents = SafeTensors.read(file);
        List<SafeTensors.Entry> out = new ArrayList<>();
        int renamed = 0;
        for (var e : contents.tensors().values()) {
            String name = e.name();
            for (var p : m.root().namedParameters().entrySet()) {
                Parameter.Kind k = p.getValue().kind();
                if (!name.equals(p.getKey() + suffix) || (k != Parameter.Kind.NORM_SCALE && k != Parameter.Kind.NORM_SHIFT)) continue;
                String base = p.getKey().substring(0, p.getKey().lastIndexOf('.'));
                name = base + (k == Parameter.Kind.NORM_SCALE ? ".gamma" : ".beta") + suffix;
                renamed++;
            }
            out.add(new SafeTensors.Entry(name, e.shape(), e.data()));
        }
        assertFalse(out.isEmpty());
        SafeTensors.write(file, out, contents.metadata());
        return renamed;
    }

    private static List<List<Float>> snapshot(Model m, CpuBackend be) {
        List<List<Float>> out = new ArrayList<>();
        for (Parameter p : m.root().parameters()) {
            out.add(boxed(be.download(p.value())));
            out.add(boxed(be.download(p.velocity(be))));
        }
        for (StateBuffer b : m.root().namedBuffers().values()) out.add(boxed(be.download(b.value())));
        return out;
    }

    private static List<Float> boxed(float[] a) {
        List<Float> l = new ArrayList<>(a.length);
        for (float f : a) l.add(f);
        return l;
    }
}
