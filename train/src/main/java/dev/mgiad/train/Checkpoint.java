package dev.mgiad.train;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A training checkpoint in a run directory:
 * <pre>
 *   DIR/checkpoint.json             {"latest": "ckpt-0003", ...}: the commit point, replaced atomically
 *   DIR/ckpt-0003/model.safetensors weights and batch-norm buffers, named as `mgiad params --tensors`
 *   DIR/ckpt-0003/optimizer.safetensors  SGD momentum buffers, "&lt;param name&gt;.momentum_buffer"
 *   DIR/ckpt-0003/state.json        epoch, model flags, training options, seed, metrics so far
 *   DIR/best.json, DIR/best-0002/   with --val-split: the weights of the best validation epoch, committed the same way
 * </pre>
 * A new checkpoint is written completely into its own folder before checkpoint.json points to it, so a crash at
 * any moment leaves the previous checkpoint intact and findable; older folders are removed afterwards.
 */
public final class Checkpoint {
    private Checkpoint() { }

    public static final String POINTER = "checkpoint.json";
    /** Pointer to the best-validation weights of a run trained with a validation split. */
    public static final String BEST_POINTER = "best.json";

    /** Commits the weights, momentum buffers and run state after epoch {@code state.epoch()}. */
    public static void save(Path dir, Module model, Backend be, RunState state) throws IOException {
        write(dir, POINTER, "ckpt", model, be, state, true);
    }

    /**
     * Keeps the weights of the epoch with the best validation accuracy in {@code best-NNNN/} (model.safetensors and
     * state.json, no optimizer), committed by {@value #BEST_POINTER} exactly as the latest checkpoint is.
     */
    public static void saveBest(Path dir, Module model, Backend be, RunState state) throws IOException {
        write(dir, BEST_POINTER, "best", model, be, state, false);
    }

    private static void write(Path dir, String pointerFile, String prefix, Module model, Backend be, RunState state,
                              boolean withOptimizer) throws IOException {
        int epoch = state.epoch();
        // inside an epoch: ckpt-0003-step000120 (3 epochs and 120 steps of the fourth done)
        String name = String.format("%s-%04d", prefix, epoch) + (state.midEpoch() ? String.format("-step%06d", state.partial().step()) : "");
        Path ck = dir.resolve(name);
        Files.createDirectories(ck);
        List<SafeTensors.Entry> weights = new ArrayList<>();
        for (var e : model.namedParameters().entrySet()) weights.add(entry(e.getKey(), e.getValue().value(), be));
        for (var e : model.namedBuffers().entrySet()) weights.add(entry(e.getKey(), e.getValue().value(), be));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("producer", "mgiad-jvm");
        meta.put("epoch", Integer.toString(epoch));
        SafeTensors.write(ck.resolve("model.safetensors"), weights, meta);
        if (withOptimizer) {
            List<SafeTensors.Entry> opt = new ArrayList<>();
            for (var e : model.namedParameters().entrySet()) {
                Tensor v = e.getValue().velocityOrNull();
                if (v != null) opt.add(entry(e.getKey() + ".momentum_buffer", v, be));
            }
            SafeTensors.write(ck.resolve("optimizer.safetensors"), opt, Map.of("producer", "mgiad-jvm"));
        }
        AtomicFiles.writeString(ck.resolve(RunState.FILE), Json.write(state.json()) + "\n");
        Map<String, Object> pointer = new LinkedHashMap<>();
        pointer.put("latest", name);
        pointer.put("epoch", (long) epoch);
        AtomicFiles.writeString(dir.resolve(pointerFile), Json.write(pointer) + "\n");
        String pattern = folderPattern(prefix);
        try (var old = Files.list(dir)) {
            for (Path p : old.filter(p -> p.getFileName().toString().matches(pattern) && !p.getFileName().toString().equals(name)).toList()) {
                deleteTree(p);
            }
        }
    }

    /**
     * Removes what a crash can leave in a run folder: temporary files of an interrupted atomic write
     * ({@code .NAME.*.tmp}) and checkpoint folders that no pointer names (written up to a crash, never committed).
     * Only safe while holding the folder's {@link RunLock}: no other writer can be midway.
     *
     * @return the names removed
     */
    public static List<String> removeLeftovers(Path dir) throws IOException {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) return removed;
        String latest = committed(dir, POINTER), best = committed(dir, BEST_POINTER);
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                boolean tmp = n.startsWith(".") && n.endsWith(".tmp") && Files.isRegularFile(p);
                boolean uncommitted = (n.matches(folderPattern("ckpt")) || n.matches(folderPattern("best"))) && !n.equals(latest) && !n.equals(best) && Files.isDirectory(p);
                if (tmp || uncommitted) {
                    deleteTree(p);
                    removed.add(n);
                }
            }
        }
        return removed;
    }

    /** The folder a pointer names, or null when there is no readable pointer (then every folder is uncommitted). */
    private static String committed(Path dir, String pointerFile) {
        try {
            Object p = Json.readFile(dir.resolve(pointerFile));
            return p instanceof Map<?, ?> m && m.get("latest") instanceof String s ? s : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The names of checkpoint folders: {@code ckpt-0003} at an epoch boundary, {@code ckpt-0003-step000120} inside one. */
    private static String folderPattern(String prefix) { return prefix + "-\\d{4}(-step\\d{6,})?"; }

    private static SafeTensors.Entry entry(String name, Tensor t, Backend be) {
        return new SafeTensors.Entry(name, t.shape().dims(), be.download(t));
    }

    /** The folder of the latest complete checkpoint of a run directory, with a clear error when there is none. */
    public static Path latest(Path dir) throws IOException {
        return folder(dir, POINTER, "ckpt", "no checkpoint in " + dir + " (" + POINTER + " is missing)");
    }

    /** The folder of the best-validation weights, with a clear error when the run kept none. */
    public static Path best(Path dir) throws IOException {
        return folder(dir, BEST_POINTER, "best", "no best checkpoint in " + dir + " (" + BEST_POINTER
                + " is missing; runs keep one only when trained with --val-split)");
    }

    private static Path folder(Path dir, String pointerFile, String prefix, String missing) throws IOException {
        Path pointer = dir.resolve(pointerFile);
        Object p;
        try {
            p = Json.readFile(pointer);
        } catch (NoSuchFileException e) {
            throw new RunException(missing);
        } catch (IllegalArgumentException e) {
            throw new RunException(pointer + " is corrupt: " + e.getMessage());
        }
        if (!(p instanceof Map<?, ?> m) || !(m.get("latest") instanceof String latest) || !latest.matches(folderPattern(prefix))) {
            throw new RunException(pointer + " does not name a checkpoint folder");
        }
        Path ck = dir.resolve(latest);
        if (!Files.isRegularFile(ck.resolve("model.safetensors"))) throw new RunException(ck + "/model.safetensors is missing");
        return ck;
    }

    /** The run state (epoch, model, options, metrics) of the latest checkpoint of a run directory. */
    public static RunState readState(Path dir) throws IOException {
        return RunState.read(latest(dir).resolve(RunState.FILE));
    }

    /** Loads weights, buffers and (when {@code withOptimizer}) momentum buffers into a model built with the same flags. */
    public static void load(Path dir, Module model, Backend be, boolean withOptimizer) throws IOException {
        Path ck = latest(dir);
        loadWeights(ck, model, be);
        if (withOptimizer) {
            var o = currentNames(SafeTensors.read(ck.resolve("optimizer.safetensors")).tensors());
            for (var e : model.namedParameters().entrySet()) {
                Parameter p = e.getValue();
                if (o.containsKey(e.getKey() + ".momentum_buffer")) restore(o, e.getKey() + ".momentum_buffer", p.velocity(be), be, ck);
            }
        }
    }

    /** Loads weights and buffers from one checkpoint folder ({@link #latest} or {@link #best}). */
    public static void loadWeights(Path ck, Module model, Backend be) throws IOException {
        var w = currentNames(SafeTensors.read(ck.resolve("model.safetensors")).tensors());
        for (var e : model.namedParameters().entrySet()) restore(w, e.getKey(), e.getValue().value(), be, ck);
        for (var e : model.namedBuffers().entrySet()) restore(w, e.getKey(), e.getValue().value(), be, ck);
    }

    /**
     * Checkpoints written before batch norm took PyTorch's names call gamma and beta {@code bn.gamma} and
     * {@code bn.beta} (and their momentum buffers {@code bn.gamma.momentum_buffer}); they are read under today's
     * names {@code bn.weight} and {@code bn.bias}, so old runs still evaluate and resume exactly.
     */
    static Map<String, SafeTensors.Entry> currentNames(Map<String, SafeTensors.Entry> tensors) {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) {
            String name = LEGACY_BN.matcher(e.getKey()).replaceFirst(m -> m.group(1).equals("gamma") ? ".weight" : ".bias");
            if (!name.equals(e.getKey()) && tensors.containsKey(name)) name = e.getKey(); // both present: not a legacy file
            out.put(name, e.getValue());
        }
        return out;
    }

    private static final Pattern LEGACY_BN = Pattern.compile("\\.(gamma|beta)(?=$|\\.momentum_buffer$)");

    private static void restore(Map<String, SafeTensors.Entry> m, String name, Tensor t, Backend be, Path ck) throws IOException {
        SafeTensors.Entry e = m.get(name);
        if (e == null) throw new RunException(ck + ": tensor '" + name + "' is missing (was it saved from another model?)");
        if (!java.util.Arrays.equals(e.shape(), t.shape().dims())) {
            throw new RunException(ck + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(e.shape())
                    + ", the model expects " + t.shape());
        }
        be.upload(e.data(), t);
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
