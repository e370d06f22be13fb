package io.chordfs.node.ops;

import io.chordfs.core.net.ChordService;
import io.chordfs.node.http.HttpHost;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.replica.RepairLoop;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Set;

/**
 * One node's metrics in the Prometheus text format ({@code GET /.chordfs/metrics}). Each node has
 * its own registry, since a local ring or a test runs many nodes in one JVM; the JVM's own
 * metrics are in every node's registry. Names and meanings: docs/operations.md.
 */
public final class NodeMetrics {
    /** Methods outside this set are counted as "other", so a client cannot grow the label set. */
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "PUT", "POST", "DELETE");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram seconds;
    private final Counter bodyIn;
    private final Counter bodyOut;

    private final Counter successorChanges;

    public NodeMetrics(ObjectStore store, ChordService chord, RepairLoop repair) {
        requests = Counter.builder().name("chordfs_http_requests")
                .help("HTTP requests answered, by port, method and status").labelNames("port", "method", "status")
                .register(registry);
        seconds = Histogram.builder().name("chordfs_http_request_duration_seconds")
                .help("Time from a request's head to its answer's head going out, by port and method")
                .labelNames("port", "method").classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        bodyIn = Counter.builder().name("chordfs_http_body_received_bytes")
                .help("Request body bytes received, by port").labelNames("port").register(registry);
        bodyOut = Counter.builder().name("chordfs_http_body_sent_bytes")
                .help("Answer body bytes handed to the socket, by port").labelNames("port").register(registry);
        GaugeWithCallback.builder().name("chordfs_store_objects")
                .help("Live objects this node holds a copy of (chunk objects included)")
                .callback(cb -> cb.call(store.list().stream().filter(m -> !m.tombstone()).count()))
                .register(registry);
        GaugeWithCallback.builder().name("chordfs_store_bytes")
                .help("Bytes of the live objects this node holds")
                .callback(cb -> cb.call(store.list().stream().filter(m -> !m.tombstone()).mapToLong(ObjectMeta::size).sum()))
                .register(registry);
        GaugeWithCallback.builder().name("chordfs_store_capacity_bytes")
                .help("The store's capacity: --capacity, else the size of its disk")
                .callback(cb -> cb.call(store.capacityBytes())).register(registry);
        GaugeWithCallback.builder().name("chordfs_disk_used_ratio")
                .help("Share of the capacity in use, 0 to 1 (what the autoscaler watches)")
                .callback(cb -> cb.call(store.usedPercent() / 100)).register(registry);
        GaugeWithCallback.builder().name("chordfs_store_corrupt_objects")
                .help("Local copies found damaged and waiting for repair")
                .callback(cb -> cb.call(store.corruptNames().size())).register(registry);
        GaugeWithCallback.builder().name("chordfs_ring_member")
                .help("1 while this node is a member of a ring, else 0")
                .callback(cb -> cb.call(chord.node().inRing() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("chordfs_ring_successors")
                .help("Distinct live successors this node knows (at most its successor-list length)")
                .callback(cb -> cb.call(chord.node().successors().stream().distinct()
                        .filter(n -> !n.equals(chord.self())).count()))
                .register(registry);
        successorChanges = Counter.builder().name("chordfs_ring_successor_changes")
                .help("Times this node's successor list changed (joins, leaves, failures nearby)").register(registry);
        CounterWithCallback.builder().name("chordfs_rpc_calls")
                .help("Calls the Chord port (5057) answered").callback(cb -> cb.call(chord.rpcCounts().calls().sum()))
                .register(registry);
        CounterWithCallback.builder().name("chordfs_rpc_failed_calls")
                .help("Calls the Chord port answered with an error")
                .callback(cb -> cb.call(chord.rpcCounts().failures().sum())).register(registry);
        CounterWithCallback.builder().name("chordfs_repair_pushed_objects")
                .help("Objects repair sent to replicas that lacked them").callback(cb -> cb.call(repair.pushed()))
                .register(registry);
        CounterWithCallback.builder().name("chordfs_repair_pulled_objects")
                .help("Objects repair fetched because this node lacked them").callback(cb -> cb.call(repair.pulled()))
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** The successor list changed. */
    public void successorsChanged() {
        successorChanges.inc();
    }

    /** What the host on {@code port} reports its requests and bytes to. */
    public HttpHost.Observer observer(int port) {
        String p = Integer.toString(port);
        return new HttpHost.Observer() {
            @Override
            public void answered(String method, int status, long nanos) {
                String m = method.toUpperCase(Locale.ROOT);
                m = METHODS.contains(m) ? m : "other";
                requests.labelValues(p, m, Integer.toString(status)).inc();
                seconds.labelValues(p, m).observe(nanos / 1e9);
            }

            @Override
            public void bodyIn(long bytes) {
                bodyIn.labelValues(p).inc(bytes);
            }

            @Override
            public void bodyOut(long bytes) {
                bodyOut.labelValues(p).inc(bytes);
            }
        };
    }

    /** The text exposition format's content type. */
    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** Writes every metric now, in the text exposition format. */
    public void scrape(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }
}
