package dev.mgiad.cli;

import dev.mgiad.datasets.DataSpec;
import dev.mgiad.datasets.ImageDataset;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.Network;
import dev.mgiad.train.RunState;
import dev.mgiad.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
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

    @Override
    public Integer call() throws Exception {
        RunState st = Checkpoint.readState(checkpoint);
        ModelConfig config = st.model();
        DataSpec spec = st.options().dataset();
        boolean pad = st.options().padTo32();
        ImageDataset test = spec.load(data.dataDir, data.download, false);
        if (limitTest > 0) test = test.subset(limitTest);
        try (Backend be = device.open()) {
            Model m = Models.build(config, be, 0);
            int epoch = st.epoch();
            if (best) {
                Path folder = Checkpoint.best(checkpoint);
                Checkpoint.loadWeights(folder, m.root(), be);
                epoch = Integer.parseInt(folder.getFileName().toString().substring("best-".length()));
            } else {
                Checkpoint.load(checkpoint, m.root(), be, false);
            }
            Trainer.Evaluation ev = Trainer.evaluate(Network.of(m), new Graph(be), test,
                    spec.transform(false, false, pad), batchSize);
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
}
