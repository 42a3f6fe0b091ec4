package dev.mgiad.cli;

import dev.mgiad.train.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mgiad bench conv} with user-given shapes and a results file. */
class BenchConvCommandTest {

    @Test
    @SuppressWarnings("unchecked")
    void userShapesAreTimedAndWrittenWithTheMachine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("conv.json");
        var r = ParamsCommandTest.run("bench", "conv", "--shape", "g4n5ic8ih6iw7oc8k3s1p1", "--shape", "g1n3ic4ih5iw5oc6k1s2p0",
                "--rounds", "1", "--budget", "0.01", "--threads", "1", "--results-file", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("g4n5ic8ih6iw7oc8k3s1p1"), r.out());
        Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(f));
        assertEquals("mgiad bench conv", doc.get("tool"));
        assertEquals(1L, ((Map<String, Object>) doc.get("machine")).get("threads"));
        List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get("rows");
        assertEquals(2, rows.size());
        assertEquals("g4n5ic8ih6iw7oc8k3s1p1", rows.get(0).get("descriptor"));
        assertEquals(5L, rows.get(0).get("batch"), "a descriptor's own batch is used");
        assertEquals(2L, rows.get(0).get("gs"));
        assertEquals(6L, rows.get(1).get("C_out"));
        assertTrue(((Number) rows.get(1).get("fwdbwd_ms")).doubleValue() > 0);
    }

    @Test
    void aBadDescriptorIsOneLine() {
        var r = ParamsCommandTest.run("bench", "conv", "--shape", "g4n5ic8");
        assertEquals(1, r.code());
        assertEquals("mgiad bench conv: bad convolution descriptor 'g4n5ic8': expected gGROUPSnBATCHicCINihHiwWocCOUTkKsSTRIDEpPAD, "
                + "e.g. g16n128ic64ih32iw32oc64k3s1p1", r.err().strip());
    }
}
