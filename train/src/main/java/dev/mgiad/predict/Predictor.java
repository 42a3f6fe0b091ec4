package dev.mgiad.predict;

import dev.mgiad.datasets.DataSpec;
import dev.mgiad.datasets.ImageFiles;
import dev.mgiad.datasets.Transform;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.cpu.PlanarKernels;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import dev.mgiad.model.PlanarOps;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.RunState;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Classifies images with a trained run: the model and weights of its checkpoint, and the input pipeline of its
 * data (size, grey or colour, padding, normalisation) from its state.json, so an image is prepared as the test
 * images of the run were.
 *
 * <pre>{@code
 * try (Predictor predictor = Predictor.load(Path.of("runs/my-run"))) {
 *     Prediction p = predictor.predict(Path.of("cat.png"));
 *     System.out.println(p.best().name() + " " + p.best().probability());
 * }
 * }</pre>
 *
 * <p>Batches smaller than the SIMD width (16 images with AVX-512) run on {@link PlanarOps}, whose lanes run over
 * pixels, so one image does not cost the work of sixteen; whole groups of 16 run on the training layout's
 * evaluation mode. <b>Thread-safe:</b> the weights are read-only after construction, the small-batch path keeps no
 * state, and the batched path (one autograd graph) is used by one thread at a time.
 */
public final class Predictor implements AutoCloseable {
    private final Model model;
    private final Backend backend;
    private final boolean ownsBackend;
    private final PlanarKernels kernels;
    private final PlanarOps planar;
    private final Graph graph;
    private final DataSpec data;
    private final Transform transform;
    private final int epoch;
    private final int height, width;

    /** Options of {@link #builder}. */
    public static final class Builder {
        private final Path run;
        private boolean best;
        private int threads = Runtime.getRuntime().availableProcessors();
        private Backend backend;

        private Builder(Path run) { this.run = run; }

        /** Use the best-validation weights of a {@code --val-split} run instead of the last epoch's. */
        public Builder best(boolean v) { best = v; return this; }

        /** CPU threads of the kernels (default: all processors). */
        public Builder threads(int v) {
            if (v < 1) throw new IllegalArgumentException("threads must be >= 1, got " + v);
            threads = v;
            return this;
        }

        /** Run batches of 16 and more on this backend (not closed by the predictor) instead of a new CPU backend. */
        public Builder backend(Backend v) { backend = v; return this; }

        public Predictor build() throws IOException { return new Predictor(this); }
    }

    /** Options: {@link Builder#best}, {@link Builder#threads}, {@link Builder#backend}. */
    public static Builder builder(Path run) { return new Builder(run); }

    /** The last checkpoint of a run directory, on the CPU with all processors. */
    public static Predictor load(Path run) throws IOException { return builder(run).build(); }

    private Predictor(Builder b) throws IOException {
        RunState st = Checkpoint.readState(b.run);
        ModelConfig config = st.model();
        this.data = st.options().dataset();
        this.transform = data.transform(false, false, st.options().padTo32());
        this.height = transform.outHeight();
        this.width = transform.outWidth();
        this.ownsBackend = b.backend == null;
        this.backend = ownsBackend ? new CpuBackend(b.threads) : b.backend;
        try {
            this.model = Models.build(config, backend, 0);
            if (b.best) {
                Path folder = Checkpoint.best(b.run);
                Checkpoint.loadWeights(folder, model.root(), backend);
                this.epoch = Integer.parseInt(folder.getFileName().toString().substring("best-".length()));
            } else {
                Checkpoint.load(b.run, model.root(), backend, false);
                this.epoch = st.epoch();
            }
            this.kernels = new PlanarKernels(b.threads);
            this.planar = new PlanarOps(model.root(), backend, kernels);
            this.graph = new Graph(backend);
            graph.setTraining(false);
        } catch (IOException | RuntimeException e) {
            if (ownsBackend) backend.close();
            throw e;
        }
    }

    /** The class names, indexed by label. */
    public List<String> classNames() { return data.classNames(); }

    /** The run's data description (size, channels, normalisation). */
    public DataSpec data() { return data; }

    /** The epoch whose weights are loaded. */
    public int epoch() { return epoch; }

    public ModelConfig config() { return model.config(); }

    /** Channels, height and width of the network input of one image. */
    public int[] inputShape() { return new int[] {data.channels(), height, width}; }

    /** One image file (PNG or JPEG). */
    public Prediction predict(Path image) { return predict(List.of(image)).getFirst(); }

    /** Image files, decoded and checked first (a bad file fails the call, naming it), then classified in one batch. */
    public List<Prediction> predict(List<Path> images) {
        List<BufferedImage> decoded = new ArrayList<>();
        for (Path p : images) decoded.add(ImageFiles.read(p));
        List<String> names = images.stream().map(Path::toString).toList();
        return classify(decoded, names);
    }

    /** One decoded image. */
    public Prediction predict(BufferedImage image) { return classify(List.of(image), List.of("")).getFirst(); }

    /** Decoded images, in one batch. */
    public List<Prediction> predictImages(List<BufferedImage> images) {
        return classify(images, images.stream().map(i -> "").toList());
    }

    private List<Prediction> classify(List<BufferedImage> images, List<String> sources) {
        int n = images.size(), per = data.channels() * height * width;
        float[] x = new float[n * per];
        for (int i = 0; i < n; i++) preprocess(images.get(i), x, i * per);
        float[] z = logits(x, n);
        int k = data.classes();
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new Prediction(sources.get(i), Prediction.softmax(z, i * k, k), data.classNames()));
        return out;
    }

    /** Writes the network input of one image ({@link #inputShape()} floats, CHW) into {@code dst} at {@code off}. */
    public void preprocess(BufferedImage image, float[] dst, int off) {
        byte[] bytes = ImageFiles.toPlanar(image, data.channels(), data.height(), data.width());
        transform.apply(bytes, 0, dst, off, 0L);
    }

    /**
     * Logits {@code [n][classes]} of {@code n} preprocessed images (NCHW, as {@link #preprocess} writes them).
     * Whole groups of the backend's batch block (16 images with AVX-512) run batched. A rest of at most an eighth
     * of a block (2 images) runs on the pixel-vectorised path; a larger rest joins the batched part, padded: per
     * image the small-batch path costs 1.1-1.4x the batched path on dense layers but 2.5-4x on grouped (g_s = 4) and
     * 16-channel layers, and whole models measured (ResNet20, MGiaD c_K=16 g_s=4) break even at 3-4 images.
     */
    public float[] logits(float[] nchw, int n) {
        int per = data.channels() * height * width, k = data.classes();
        if (nchw.length != n * per) throw new IllegalArgumentException(nchw.length + " floats are not " + n + " images of " + per);
        int block = backend.batchBlock(), rest = n % block;
        int batched = rest <= Math.max(1, block / 8) ? n - rest : n;
        float[] z = new float[n * k];
        if (batched > 0) {
            float[] head = batched == n ? nchw : java.util.Arrays.copyOf(nchw, batched * per);
            System.arraycopy(logits(head, batched, false), 0, z, 0, batched * k);
        }
        if (batched < n) {
            float[] tail = java.util.Arrays.copyOfRange(nchw, batched * per, n * per);
            System.arraycopy(logits(tail, n - batched, true), 0, z, batched * k, (n - batched) * k);
        }
        return z;
    }

    /**
     * Logits of {@code n} preprocessed images through one path only, for measurements and tests: {@code planar}
     * true runs every image on the pixel-vectorised path, false the batched one (padded to the batch block).
     */
    public float[] logits(float[] nchw, int n, boolean planarPath) {
        if (planarPath) return planar.logits(model, nchw, n, data.channels(), height, width);
        synchronized (graph) {
            try {
                return backend.download(model.forward(graph, graph.input(nchw, n, data.channels(), height, width)).value());
            } finally {
                graph.reset();
            }
        }
    }

    @Override
    public void close() {
        kernels.close();
        if (ownsBackend) backend.close();
    }
}
