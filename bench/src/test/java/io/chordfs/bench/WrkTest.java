package io.chordfs.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WrkTest {
    private static final String REPORT = """
            Running 10s test @ http://127.0.0.1:37317/wrk-4k.bin
              2 threads and 16 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency   285.32us  612.77us  23.14ms   97.31%
                Req/Sec    35.98k     4.12k   43.60k    71.50%
              Latency Distribution
                 50%  196.00us
                 75%  254.00us
                 90%  363.00us
                 99%    3.47ms
              716061 requests in 10.00s, 2.92GB read
              Socket errors: connect 0, read 2, write 0, timeout 1
              Non-2xx or 3xx responses: 4
            Requests/sec:  71580.12
            Transfer/sec:    298.65MB
            """;

    @Test
    void readsRateLatencyAndFailures() throws IOException {
        Wrk.Result r = Wrk.parse(REPORT);
        assertEquals(71580.12, r.perSecond(), 1e-9);
        assertEquals(0.196, r.p50Ms(), 1e-9);
        assertEquals(3.47, r.p99Ms(), 1e-9);
        assertEquals(716061, r.requests());
        assertEquals(7, r.errors()); // 2 read + 1 timeout + 4 non-2xx
    }

    @Test
    void refusesAReportWithoutARate() {
        assertThrows(IOException.class, () -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused"));
    }
}
