package dev.mgiad.train;

import dev.mgiad.datasets.Batch;
import dev.mgiad.datasets.BatchLoader;
import dev.mgiad.datasets.ImageDataset;
import dev.mgiad.datasets.Transform;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.optim.LrSchedule;
import dev.mgiad.engine.optim.Sgd;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop: SGD over shuffled, augmented batches prepared on a background thread, evaluation on the
 * test split after every epoch, metrics files, and an atomic checkpoint per epoch. A run is resumable exactly:
 * batch order and augmentation depend only on (seed, epoch, sample), and the checkpoint holds weights, batch-norm
 * buffers and momentum, so 1+1 epochs give the same weights as 2.
 */
public final class Trainer {

    /** Thrown when the loss stops being finite; the last good checkpoint stays on disk. */
    public static final class DivergedException extends RunException {
        public DivergedException(String msg) { super(msg); }
    }

    /** Result of an evaluation pass; {@code top5Accuracy} counts a hit when the label is among the 5 largest logits. */
    public record Evaluation(double loss, double accuracy, double top5Accuracy, long[][] confusion, int count) {
        public double[] perClassAccuracy() {
            double[] a = new double[confusion.length];
            for (int c = 0; c < a.length; c++) {
                long tot = 0;
                for (long v : confusion[c]) tot += v;
                a[c] = tot == 0 ? Double.NaN : (double) confusion[c][c] / tot;
            }
            return a;
        }
    }

    /**
     * Why and where a run stopped before its planned end: {@code step} steps into epoch {@code epoch + 1} (0: at the
     * boundary after epoch {@code epoch}), with a checkpoint there, so {@code --resume} continues exactly.
     */
    public record Stop(int epoch, int step, String reason) { }

    private int checkpointEvery;
    private long stopAfterSteps;
    private long budgetNanos;
    private RunState.Partial resumeFrom;
    private Stop stop;

    private final Model net;
    private final Backend be;
    private final TrainOptions opt;
    private final Path out;
    private final PrintStream log;
    private final boolean terminal;
    private final ModelConfig model;
    private DataParallel dp; // null: this process trains alone

    /**
     * A trainer of {@code net} that writes metrics and checkpoints into {@code out} and
     * logs progress to {@code log} (a progress bar when {@code terminal}, else one line per epoch).
     */
    public Trainer(Model net, Backend be, TrainOptions opt, Path out, PrintStream log, boolean terminal) {
        this.net = net;
        this.be = be;
        this.opt = opt;
        this.model = net.config();
        this.out = out;
        this.log = log;
        this.terminal = terminal;
    }

    /**
     * Limits of this invocation: a checkpoint every {@code checkpointEvery} steps inside an epoch (0: only at epoch
     * ends); stop with a checkpoint after {@code stopAfterSteps} steps (0: no limit) or once {@code maxTime} has passed
     * since {@link #run} began (null: no limit), checked after every step.
     */
    public Trainer limits(int checkpointEvery, long stopAfterSteps, Duration maxTime) {
        if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
        if (stopAfterSteps < 0) throw new IllegalArgumentException("--stop-after-steps must be >= 0, got " + stopAfterSteps);
        if (maxTime != null && (maxTime.isNegative() || maxTime.isZero())) throw new IllegalArgumentException("--max-time must be > 0");
        this.checkpointEvery = checkpointEvery;
        this.stopAfterSteps = stopAfterSteps;
        this.budgetNanos = maxTime == null ? 0 : maxTime.toNanos();
        return this;
    }

    /** Continues the first epoch of {@link #run} from a checkpoint taken inside it. */
    public Trainer resumeInside(RunState.Partial partial) {
        this.resumeFrom = partial;
        return this;
    }

    /**
     * Makes this trainer one rank of a data-parallel run: it trains on its shard of every global batch, sums
     * gradients and metrics over the ranks, evaluates its shard of the evaluation sets, and writes files only on
     * rank 0. The model must already hold rank 0's state ({@link DataParallel#broadcastState}).
     */
    public Trainer dataParallel(DataParallel dataParallel) {
        this.dp = dataParallel;
        return this;
    }

    private boolean writesFiles() { return dp == null || dp.isRoot(); }

    /** Where the last {@link #run} stopped early because of {@link #limits}, or null when it ran to its end. */
    public Stop stop() { return stop; }

    public LrSchedule schedule() {
        LrSchedule base = opt.schedule().equals("step") ? LrSchedule.step(opt.lr(), opt.stepEvery(), opt.stepGamma())
                : LrSchedule.cosine(opt.lr(), 0f, opt.epochs());
        return LrSchedule.warmup(base, opt.warmupEpochs());
    }

    /** Trains from {@code startEpoch} (0 for a fresh run) to the configured number of epochs. */
    public List<EpochMetrics> run(ImageDataset train, ImageDataset test, int startEpoch, List<EpochMetrics> previous)
            throws IOException {
        return run(train, test, startEpoch, previous, opt.epochs());
    }

    /** Trains epochs {@code startEpoch .. endEpoch-1} of the schedule planned for {@code opt.epochs()}. */
    public List<EpochMetrics> run(ImageDataset train, ImageDataset test, int startEpoch, List<EpochMetrics> previous,
                                  int endEpoch) throws IOException {
        return run(train, null, test, startEpoch, previous, endEpoch);
    }

    /**
     * As {@link #run(ImageDataset, ImageDataset, int, List, int)}, also evaluating on {@code validation} (images held
     * out of the training split, or null for none) after every epoch, with the test set's preprocessing.
     */
    public List<EpochMetrics> run(ImageDataset train, ImageDataset validation, ImageDataset test, int startEpoch,
                                  List<EpochMetrics> previous, int endEpoch) throws IOException {
        List<Parameter> params = net.root().parameters();
        Sgd sgd = new Sgd(be, params, opt.lr(), opt.momentum(), opt.weightDecay(), opt.nesterov());
        LrSchedule schedule = schedule();
        Map<String, Object> runInfo = new LinkedHashMap<>();
        runInfo.put("title", model.kind().cliName + " on " + opt.dataset().cliName());
        runInfo.put("model", ModelConfigJson.write(model));
        runInfo.put("options", opt.json());
        MetricsLog metrics = new MetricsLog(out, runInfo, previous);
        // a crash between a checkpoint and its metrics leaves the files an epoch behind: bring them in line first
        if (!previous.isEmpty() && writesFiles()) metrics.write();
        // without --augment the training images get the test pipeline (padding and normalization only)
        Transform trainT = opt.dataset().transform(true, opt.augment(), opt.padTo32());
        Transform testT = opt.dataset().transform(false, false, opt.padTo32());
        Graph g = new Graph(be);
        if (dp != null) dp.attach(g, params, be);
        boolean notedSkip = false;
        double bestVal = previous.stream().filter(EpochMetrics::hasValidation).mapToDouble(EpochMetrics::valAccuracy)
                .max().orElse(Double.NEGATIVE_INFINITY);
        stop = null;
        long started = System.nanoTime(), stepsThisCall = 0;
        for (int epoch = startEpoch; epoch < endEpoch; epoch++) {
            long t0 = System.nanoTime();
            RunState.Partial partial = epoch == startEpoch ? resumeFrom : null;
            double lossSum = partial == null ? 0 : partial.lossSum(), before = partial == null ? 0 : partial.seconds();
            long seen = partial == null ? 0 : partial.seen(), correct = partial == null ? 0 : partial.correct();
            float lr = opt.lr();
            BatchLoader.Builder lb = BatchLoader.builder(train, trainT).batchSize(opt.batchSize()).shuffle(true)
                    .seed(opt.seed()).epoch(epoch).startBatch(partial == null ? 0 : partial.step()).prefetch(3);
            if (dp != null) lb.shard(dp.rank(), dp.size());
            try (BatchLoader loader = lb.build()) {
                int steps = loader.batchesPerEpoch(), step = partial == null ? 0 : partial.step();
                Progress progress = new Progress(log, terminal, epoch + 1, opt.epochs(), steps);
                g.setTraining(true);
                while (loader.hasNext()) {
                    Batch b = loader.next();
                    int global = loader.globalBatchSize(step);
                    lr = schedule.lr(epoch + (double) step / steps);
                    sgd.setLr(lr);
                    if (dp != null && global < dp.size()) {
                        // a last batch smaller than the number of ranks would leave a rank without images
                        if (!notedSkip) log.printf("note: the last batch of each epoch (%d images) is smaller than the %d ranks and is skipped%n", global, dp.size());
                        notedSkip = true;
                        loader.recycle(b);
                        step++;
                        continue;
                    }
                    Var logits = net.forward(g, g.input(b.images(), b.size(), b.channels(), b.height(), b.width()));
                    Graph.LossResult r = g.crossEntropy(logits, b.labels(), opt.labelSmoothing(), global);
                    double[] stepMetrics = {r.loss() * b.size(), r.correct(), b.size()};
                    if (dp != null) dp.sum(stepMetrics); // every rank sees the global loss, so all stop together if it diverges
                    double loss = stepMetrics[0] / stepMetrics[2];
                    if (!Double.isFinite(loss)) {
                        String kept = epoch > 0 ? String.format(java.util.Locale.ROOT,
                                "the last good checkpoint in %s (epoch %d) is kept", out, epoch)
                                : "no checkpoint was written (the first epoch did not finish)";
                        throw new DivergedException(String.format(java.util.Locale.ROOT,
                                "training diverged: loss is %s at epoch %d, step %d (lr %.4g); %s. Try a lower --lr or a --warmup.",
                                loss, epoch + 1, step + 1, lr, kept));
                    }
                    g.backward();
                    if (dp != null) dp.finishGradients();
                    sgd.step();
                    sgd.zeroGrad();
                    g.reset();
                    loader.recycle(b);
                    lossSum += stepMetrics[0];
                    correct += (long) stepMetrics[1];
                    seen += (long) stepMetrics[2];
                    step++;
                    stepsThisCall++;
                    progress.update(step, lossSum / seen, (double) correct / seen, seen);
                    if (step == steps) continue; // the epoch's end has its own checkpoint
                    String why = limitReached(started, stepsThisCall);
                    if (why != null || (checkpointEvery > 0 && step % checkpointEvery == 0)) {
                        RunState.Partial p = new RunState.Partial(step, lossSum, correct, seen, before + (System.nanoTime() - t0) / 1e9);
                        if (dp != null) dp.broadcastBuffers(net.root(), be); // the checkpoint holds rank 0's running statistics
                        if (writesFiles()) Checkpoint.save(out, net.root(), be, new RunState(epoch, model, opt, metrics.rows(), p));
                        if (why != null) {
                            stop = new Stop(epoch, step, why);
                            return metrics.rows();
                        }
                    }
                }
            }
            double trainSecs = before + (System.nanoTime() - t0) / 1e9;
            Evaluation val = validation == null ? null : evaluate(g, validation, testT);
            Evaluation ev = evaluate(g, test, testT);
            double secs = before + (System.nanoTime() - t0) / 1e9;
            EpochMetrics m = new EpochMetrics(epoch + 1, lr, lossSum / seen, (double) correct / seen, ev.loss(),
                    ev.accuracy(), secs, seen / trainSecs, val == null ? Double.NaN : val.loss(),
                    val == null ? Double.NaN : val.accuracy());
            metrics.append(m);
            String valPart = val == null ? "" : String.format(java.util.Locale.ROOT, " | val loss %.4f acc %.2f%%",
                    m.valLoss(), 100 * m.valAccuracy());
            log.printf(java.util.Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.2f%%%s | test loss %.4f acc %.2f%% | %.1f s, %.0f img/s%s%n",
                    epoch + 1, opt.epochs(), m.trainLoss(), 100 * m.trainAccuracy(), valPart, m.testLoss(),
                    100 * m.testAccuracy(), secs, m.imagesPerSecond(), dp == null ? "" : allReduceSummary());
            // best first: a crash between the two leaves the latest checkpoint one epoch behind, which --resume redoes
            if (val != null && val.accuracy() > bestVal) {
                bestVal = val.accuracy();
                if (writesFiles()) Checkpoint.saveBest(out, net.root(), be, new RunState(epoch + 1, model, opt, List.of(m)));
            }
            if (writesFiles()) {
                Checkpoint.save(out, net.root(), be, new RunState(epoch + 1, model, opt, metrics.rows()));
                metrics.write();
            }
            String why = limitReached(started, stepsThisCall);
            if (why != null && epoch + 1 < endEpoch) {
                stop = new Stop(epoch + 1, 0, why);
                return metrics.rows();
            }
        }
        return metrics.rows();
    }

    /**
     * The flag whose limit this invocation has reached, or null. In a data-parallel run rank 0's clock decides
     * (summed over ranks), so that all ranks stop at the same step.
     */
    private String limitReached(long started, long stepsThisCall) {
        if (stopAfterSteps > 0 && stepsThisCall >= stopAfterSteps) return "--stop-after-steps";
        if (budgetNanos <= 0) return null;
        boolean late = System.nanoTime() - started >= budgetNanos;
        if (dp != null) {
            double[] flag = {dp.isRoot() && late ? 1 : 0};
            dp.sum(flag);
            late = flag[0] > 0;
        }
        return late ? "--max-time" : null;
    }

    private String allReduceSummary() {
        var gr = dp.gradients();
        return String.format(java.util.Locale.ROOT, " | all-reduce %.2f MB/step in %d buckets, %.2f s waited after backward",
                gr.bytesPerStep() / 1e6, gr.bucketCount(), gr.waitSeconds());
    }

    /**
     * Loss, accuracy and confusion matrix on a dataset, batch statistics off. In a data-parallel run each rank
     * evaluates a contiguous shard with rank 0's running statistics and the results are summed over ranks.
     */
    public Evaluation evaluate(Graph g, ImageDataset ds, Transform t) {
        if (dp == null) return evaluate(net, g, ds, t, opt.batchSize());
        dp.broadcastBuffers(net.root(), be);
        int p = dp.size(), r = dp.rank(), from = (int) ((long) r * ds.count() / p), to = (int) ((long) (r + 1) * ds.count() / p);
        int classes = ds.classNames().size();
        Evaluation local = from < to ? evaluate(net, g, ds.range(from, to), t, Math.max(1, opt.batchSize() / p))
                : new Evaluation(0, 0, 0, new long[classes][classes], 0);
        double[] sums = new double[4 + classes * classes];
        sums[0] = local.loss() * local.count();
        sums[1] = local.accuracy() * local.count();
        sums[2] = local.top5Accuracy() * local.count();
        sums[3] = local.count();
        for (int i = 0; i < classes; i++) for (int j = 0; j < classes; j++) sums[4 + i * classes + j] = local.confusion()[i][j];
        dp.sum(sums);
        long[][] confusion = new long[classes][classes];
        for (int i = 0; i < classes; i++) for (int j = 0; j < classes; j++) confusion[i][j] = Math.round(sums[4 + i * classes + j]);
        double n = Math.max(1, sums[3]);
        return new Evaluation(sums[0] / n, Math.round(sums[1]) / n, Math.round(sums[2]) / n, confusion, (int) sums[3]);
    }

    /** {@link #evaluate(Graph, ImageDataset, Transform)} for a network outside a training run (mgiad eval). */
    public static Evaluation evaluate(Model net, Graph g, ImageDataset ds, Transform t, int batchSize) {
        int classes = ds.classNames().size();
        long[][] confusion = new long[classes][classes];
        double lossSum = 0;
        long correct = 0, top5 = 0;
        int count = 0;
        g.setTraining(false);
        try (BatchLoader loader = BatchLoader.builder(ds, t).batchSize(batchSize).shuffle(false).seed(0).epoch(0)
                .prefetch(2).build()) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                Var logits = net.forward(g, g.input(b.images(), b.size(), b.channels(), b.height(), b.width()));
                Graph.LossResult r = g.crossEntropy(logits, b.labels(), 0f);
                int k = logits.shape().c();
                float[] z = r.logits();
                for (int i = 0; i < b.size(); i++) {
                    int arg = 0;
                    for (int j = 1; j < k; j++) if (z[i * k + j] > z[i * k + arg]) arg = j;
                    if (b.labels()[i] < classes && arg < classes) confusion[b.labels()[i]][arg]++;
                    if (rankOfLabel(z, i * k, k, b.labels()[i]) < 5) top5++;
                }
                lossSum += r.loss() * b.size();
                correct += r.correct();
                count += b.size();
                g.reset();
                loader.recycle(b);
            }
        } finally {
            g.setTraining(true);
        }
        return new Evaluation(lossSum / Math.max(1, count), (double) correct / Math.max(1, count),
                (double) top5 / Math.max(1, count), confusion, count);
    }

    /**
     * How many of the {@code k} logits at {@code z[off..off+k)} are strictly larger than the label's: 0 means top-1
     * (ties count for the label, as the first-index argmax does when the label comes first), below 5 means top-5.
     */
    static int rankOfLabel(float[] z, int off, int k, int label) {
        float mine = z[off + label];
        int above = 0;
        for (int j = 0; j < k; j++) if (z[off + j] > mine) above++;
        return above;
    }
}
