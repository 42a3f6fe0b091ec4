package dev.mgiad.cli;

import dev.mgiad.datasets.Batch;
import dev.mgiad.datasets.BatchLoader;
import dev.mgiad.datasets.DataSpec;
import dev.mgiad.datasets.ImageDataset;
import dev.mgiad.datasets.Transform;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.FlagChecks;
import dev.mgiad.train.TrainOptions;
import dev.mgiad.train.RunState;
import dev.mgiad.train.SafeTensors;
import dev.mgiad.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code mgiad eval}: test loss, top-1 and per-class accuracy of a checkpoint, optionally the confusion matrix. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluates the last checkpoint of a run on the test split: loss, top-1 accuracy, per-class accuracy.")
final class EvalCommand implements Callable<Integer> {
    @Mixin DeviceOptions device;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "The run directory (holding checkpoint.json).")
    Path checkpoint;
    @Mixin DataOptions data;
    @Option(names = "--limit-test", defaultValue = "0", description = "Use only the first N test images (0 = all).")
    int limitTest;
    @Option(names = "--batch-size", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--best", description = "Evaluate the run's best-validation weights (runs trained with --val-split) instead of its last epoch.")
    boolean best;
    @Option(names = "--confusion", description = "Also print the confusion matrix (rows: true class, columns: predicted).")
    boolean confusion;
    @Option(names = "--dump-logits", paramLabel = "FILE", description = "Also write the first --dump-count test images as the "
            + "model sees them (normalised), their labels and our logits to FILE (safetensors: images, labels, logits), "
            + "to compare with another engine (benchmarks/peer/from_checkpoint.py).")
    Path dumpLogits;
    @Option(names = "--dump-count", defaultValue = "8", paramLabel = "N", description = "Images in --dump-logits (default: ${DEFAULT-VALUE}).")
    int dumpCount;

    @Override
    public Integer call() throws Exception {
        FlagChecks.atLeast("--limit-test", limitTest, 0);
        FlagChecks.between("--batch-size", batchSize, 1, TrainOptions.MAX_BATCH);
        if (dumpCount < 1) throw new IllegalArgumentException("--dump-count must be >= 1, got " + dumpCount);
        RunState st = Checkpoint.readState(checkpoint);
        ModelConfig config = st.model();
        DataSpec spec = st.options().dataset();
        boolean pad = st.options().padTo32();
        try (Backend be = device.open()) {
            Model m = Models.build(config, be, 0); // first: a model that cannot fit is refused before the data is read
            ImageDataset test = spec.load(data.dataDir, data.download, false);
            if (limitTest > 0) test = test.subset(limitTest);
            int epoch = st.epoch();
            if (best) {
                Path folder = Checkpoint.best(checkpoint);
                Checkpoint.loadWeights(folder, m.root(), be);
                epoch = Integer.parseInt(folder.getFileName().toString().substring("best-".length()));
            } else {
                Checkpoint.load(checkpoint, m.root(), be, false);
            }
            Trainer.Evaluation ev = Trainer.evaluate(m, new Graph(be), test,
                    spec.transform(false, false, pad), batchSize);
            if (dumpLogits != null) writeLogits(dumpLogits, m, new Graph(be), test, spec.transform(false, false, pad), dumpCount);
            System.out.printf("%s (epoch %d) on %s test (%,d images): loss %.4f, top-1 accuracy %.2f%%, top-5 accuracy %.2f%%%n",
                    config.kind().cliName + (best ? ", best validation" : ""), epoch, spec.cliName(), ev.count(), ev.loss(), 100 * ev.accuracy(),
                    100 * ev.top5Accuracy());
            List<String> names = test.classNames();
            double[] per = ev.perClassAccuracy();
            System.out.println("per-class accuracy:");
            for (int c = 0; c < per.length; c++) {
                System.out.printf("  %2d %-14s %6.2f%%%n", c, c < names.size() ? names.get(c) : "", 100 * per[c]);
            }
            if (confusion) {
                System.out.println("confusion matrix (rows: true class, columns: predicted):");
                StringBuilder sb = new StringBuilder("      ");
                for (int c = 0; c < per.length; c++) sb.append(String.format("%6d", c));
                System.out.println(sb);
                for (int r = 0; r < per.length; r++) {
                    sb = new StringBuilder(String.format("  %2d  ", r));
                    for (int c = 0; c < per.length; c++) sb.append(String.format("%6d", ev.confusion()[r][c]));
                    System.out.println(sb);
                }
            }
        }
        return 0;
    }

    /** The first {@code count} images as fed to the model, their labels and the logits in evaluation mode. */
    static void writeLogits(Path file, Model m, Graph g, ImageDataset test, Transform t, int count) throws IOException {
        int n = Math.min(count, test.count());
        g.setTraining(false);
        try (BatchLoader loader = BatchLoader.builder(test.subset(n), t).batchSize(n).shuffle(false).seed(0).epoch(0)
                .prefetch(1).build()) {
            Batch b = loader.next();
            Var logits = m.forward(g, g.input(b.images(), b.size(), b.channels(), b.height(), b.width()));
            float[] labels = new float[n];
            for (int i = 0; i < n; i++) labels[i] = b.labels()[i];
            int classes = logits.shape().c();
            SafeTensors.write(file, List.of(
                    new SafeTensors.Entry("images", new int[]{n, b.channels(), b.height(), b.width()},
                            Arrays.copyOf(b.images(), n * b.imageSize())),
                    new SafeTensors.Entry("labels", new int[]{n}, labels),
                    new SafeTensors.Entry("logits", new int[]{n, classes}, g.backend().download(logits.value()))),
                    Map.of("producer", "mgiad-jvm", "mode", "eval"));
        } finally {
            g.reset();
        }
        System.out.printf("wrote the logits of %d test images to %s%n", n, file);
    }
}
