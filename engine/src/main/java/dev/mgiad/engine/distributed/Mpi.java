package dev.mgiad.engine.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The system MPI library called through the Foreign Function &amp; Memory API: the only class that knows MPI's C
 * functions and how a library spells its predefined handles. Everything else goes through {@link Communicator}.
 *
 * <p>This binding is for Open MPI (3.x-5.x, {@code libmpi.so.40}), whose predefined handles are the addresses of
 * exported globals ({@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world}, {@code MPI_FLOAT} is
 * {@code &ompi_mpi_float}, {@code MPI_SUM} is {@code &ompi_mpi_op_sum}) and {@code MPI_IN_PLACE} is the address 1.
 * MPICH-family libraries use integer handles instead ({@code MPI_COMM_WORLD = 0x44000000}); putting one behind
 * this class, or the MPI-5 standard ABI ({@code libmpi_abi.so}), means changing {@link #load} and the handle fields,
 * nothing outside. {@code MGIAD_MPI_LIBRARY} names the library file when it is not on the linker's path.
 *
 * <p>Not thread-safe: the library is initialised with {@code MPI_THREAD_FUNNELED}, so every call except
 * {@link #abort} must come from the thread that called {@link #load} ({@link MpiCommunicator} owns that thread).
 */
final class Mpi {
    /** Library names tried in order: Debian's Open MPI 4.1 ({@code libopenmpi3}), then the development link. */
    private static final List<String> LIBRARIES = List.of("libmpi.so.40", "libmpi.so");
    private static final int MPI_SUCCESS = 0, MPI_THREAD_FUNNELED = 1, MPI_MAX_ERROR_STRING = 256;
    private static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);

    private final MethodHandle commRank, commSize, allreduce, bcast, barrier, abort, finalizeCall, errorString;
    private final MemorySegment commWorld, floatType, doubleType, opSum;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment intOut = arena.allocate(JAVA_INT);

    private Mpi(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        commRank = fn(linker, lib, "MPI_Comm_rank", JAVA_INT, ADDRESS, ADDRESS);
        commSize = fn(linker, lib, "MPI_Comm_size", JAVA_INT, ADDRESS, ADDRESS);
        allreduce = fn(linker, lib, "MPI_Allreduce", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        bcast = fn(linker, lib, "MPI_Bcast", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        barrier = fn(linker, lib, "MPI_Barrier", JAVA_INT, ADDRESS);
        abort = fn(linker, lib, "MPI_Abort", JAVA_INT, ADDRESS, JAVA_INT);
        finalizeCall = fn(linker, lib, "MPI_Finalize", JAVA_INT);
        errorString = fn(linker, lib, "MPI_Error_string", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        commWorld = handle(lib, "ompi_mpi_comm_world");
        floatType = handle(lib, "ompi_mpi_float");
        doubleType = handle(lib, "ompi_mpi_double");
        opSum = handle(lib, "ompi_mpi_op_sum");
        MethodHandle initThread = fn(linker, lib, "MPI_Init_thread", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        MethodHandle setErrhandler = fn(linker, lib, "MPI_Comm_set_errhandler", JAVA_INT, ADDRESS, ADDRESS);
        MemorySegment errorsReturn = handle(lib, "ompi_mpi_errors_return");
        int rc;
        try {
            rc = (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, MPI_THREAD_FUNNELED, intOut);
        } catch (Throwable t) {
            throw new MpiException("MPI_Init_thread failed: " + t);
        }
        if (rc != MPI_SUCCESS) throw new MpiException("MPI_Init_thread failed with error code " + rc);
        // errors come back as return codes (turned into one-line exceptions) instead of Open MPI's fatal handler
        check("MPI_Comm_set_errhandler", call(setErrhandler, commWorld, errorsReturn));
    }

    /** Loads and initialises the system MPI on the calling thread. */
    static Mpi load() {
        SymbolLookup lib = null;
        String chosen = System.getenv("MGIAD_MPI_LIBRARY"); // an Open MPI outside the linker's path (modules, /opt)
        for (String name : chosen != null && !chosen.isBlank() ? List.of(chosen) : LIBRARIES) {
            try {
                lib = SymbolLookup.libraryLookup(name, Arena.global());
                break;
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        if (lib == null) {
            throw new MpiException("the MPI library (" + (chosen != null && !chosen.isBlank() ? chosen + " from MGIAD_MPI_LIBRARY"
                    : "libmpi.so.40") + ") was not found: install Open MPI, e.g. apt-get install openmpi-bin libopenmpi-dev");
        }
        if (lib.find("ompi_mpi_comm_world").isEmpty()) {
            throw new MpiException("the MPI library found is not Open MPI (its handles are not the exported "
                    + "ompi_mpi_* globals); only Open MPI is supported so far: apt-get install openmpi-bin libopenmpi-dev");
        }
        return new Mpi(lib);
    }

    int rank() { return queryInt("MPI_Comm_rank", commRank); }

    int size() { return queryInt("MPI_Comm_size", commSize); }

    /** In-place sum over all ranks of {@code count} floats at {@code buf} (native memory). */
    void allReduceFloats(MemorySegment buf, int count) {
        check("MPI_Allreduce", call6(allreduce, IN_PLACE, buf, count, floatType, opSum, commWorld));
    }

    /** In-place sum over all ranks of {@code count} doubles at {@code buf} (native memory). */
    void allReduceDoubles(MemorySegment buf, int count) {
        check("MPI_Allreduce", call6(allreduce, IN_PLACE, buf, count, doubleType, opSum, commWorld));
    }

    /** Copies {@code count} floats at {@code buf} from rank {@code root} to every rank. */
    void broadcastFloats(MemorySegment buf, int count, int root) {
        int rc;
        try {
            rc = (int) bcast.invokeExact(buf, count, floatType, root, commWorld);
        } catch (Throwable t) {
            throw new MpiException("MPI_Bcast: " + t);
        }
        check("MPI_Bcast", rc);
    }

    void barrier() { check("MPI_Barrier", call(barrier, commWorld)); }

    /**
     * Ends every rank of the job with {@code code}. Safe to call from any thread: it is the way out when the MPI
     * thread is stuck in a collective whose peer is gone.
     */
    void abort(int code) {
        try {
            int ignored = (int) abort.invokeExact(commWorld, code);
        } catch (Throwable t) {
            // the process is about to end anyway
        }
    }

    void finish() {
        try {
            int ignored = (int) finalizeCall.invokeExact();
        } catch (Throwable t) {
            throw new MpiException("MPI_Finalize: " + t);
        }
    }

    // ------------------------------------------------------------------ FFM plumbing

    private static MethodHandle fn(Linker linker, SymbolLookup lib, String name, ValueLayout ret, ValueLayout... args)
             {
        MemorySegment addr = lib.find(name).orElseThrow(() -> new MpiException(
                "the MPI library lacks " + name + ": install Open MPI 4.1 or newer (apt-get install openmpi-bin libopenmpi-dev)"));
        return linker.downcallHandle(addr, FunctionDescriptor.of(ret, args));
    }

    private static MemorySegment handle(SymbolLookup lib, String global) {
        return lib.find(global).orElseThrow(() -> new MpiException("the MPI library lacks the handle " + global
                + ": install Open MPI 4.1 or newer (apt-get install openmpi-bin libopenmpi-dev)"));
    }

    private int queryInt(String name, MethodHandle h) {
        check(name, call(h, commWorld, intOut));
        return intOut.get(JAVA_INT, 0);
    }

    private static int call(MethodHandle h, MemorySegment a) {
        try {
            return (int) h.invokeExact(a);
        } catch (Throwable t) {
            throw new MpiException("MPI call failed: " + t);
        }
    }

    private static int call(MethodHandle h, MemorySegment a, MemorySegment b) {
        try {
            return (int) h.invokeExact(a, b);
        } catch (Throwable t) {
            throw new MpiException("MPI call failed: " + t);
        }
    }

    private static int call6(MethodHandle h, MemorySegment send, MemorySegment recv, int count, MemorySegment type,
                             MemorySegment op, MemorySegment comm) {
        try {
            return (int) h.invokeExact(send, recv, count, type, op, comm);
        } catch (Throwable t) {
            throw new MpiException("MPI call failed: " + t);
        }
    }

    private void check(String name, int rc) {
        if (rc == MPI_SUCCESS) return;
        String text = "error code " + rc;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(MPI_MAX_ERROR_STRING + 1), len = a.allocate(JAVA_INT);
            if ((int) errorString.invokeExact(rc, s, len) == MPI_SUCCESS) text = s.getString(0);
        } catch (Throwable ignored) {
            // keep the numeric code
        }
        throw new MpiException(name + " failed: " + text);
    }
}
